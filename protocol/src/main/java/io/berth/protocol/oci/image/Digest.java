package io.berth.protocol.oci.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A content digest as the OCI image-spec writes it: {@code <algorithm>:<encoded>}. Only the registered
 * algorithms {@code sha256} (64 lowercase hex) and {@code sha512} (128 lowercase hex) are accepted, because
 * every digest Berth handles is one it will verify.
 *
 * @param algorithm {@code sha256} or {@code sha512}
 * @param hex       the lowercase hex encoding, of the length the algorithm fixes
 */
public record Digest(String algorithm, String hex) implements Comparable<Digest> {

    private static final Pattern HEX = Pattern.compile("[0-9a-f]+");

    /** Validates; throws {@link IllegalArgumentException} naming the bad value. */
    public Digest {
        if (algorithm == null || hex == null) {
            throw new IllegalArgumentException("digest: algorithm and hex are required, got " + algorithm + ":" + hex);
        }
        int expected = switch (algorithm) {
            case "sha256" -> 64;
            case "sha512" -> 128;
            default -> throw new IllegalArgumentException("digest '" + algorithm + ":" + hex
                    + "': unsupported algorithm '" + algorithm + "' (use sha256 or sha512)");
        };
        if (hex.length() != expected || !HEX.matcher(hex).matches()) {
            throw new IllegalArgumentException("digest '" + algorithm + ":" + hex + "': " + algorithm
                    + " needs " + expected + " lowercase hex characters");
        }
    }

    /**
     * Parses {@code sha256:<hex>}.
     *
     * @throws IllegalArgumentException naming the bad value when it is null, has no ':' or fails validation
     */
    @JsonCreator
    public static Digest parse(String value) {
        if (value == null) {
            throw new IllegalArgumentException("digest: missing (expected sha256:<64 hex>)");
        }
        int colon = value.indexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("digest '" + value + "': expected <algorithm>:<hex>, e.g. sha256:<64 hex>");
        }
        return new Digest(value.substring(0, colon), value.substring(colon + 1));
    }

    /** The sha256 digest of {@code bytes}. */
    public static Digest sha256(byte[] bytes) {
        return fromSha256(newSha256().digest(bytes));
    }

    /** Wraps the raw output of a sha256 {@link MessageDigest}. */
    public static Digest fromSha256(byte[] raw) {
        return new Digest("sha256", HexFormat.of().formatHex(raw));
    }

    /** A fresh sha256 {@link MessageDigest}; every JVM has one, so this never fails. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** A fresh {@link MessageDigest} for this digest's algorithm, to verify content against it. */
    public MessageDigest newMessageDigest() {
        try {
            return MessageDigest.getInstance(algorithm.equals("sha256") ? "SHA-256" : "SHA-512");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no " + algorithm, e);
        }
    }

    /** Whether {@code raw}, the output of {@link #newMessageDigest()}, equals this digest. */
    public boolean matches(byte[] raw) {
        return HexFormat.of().formatHex(raw).equals(hex);
    }

    @JsonValue
    @Override
    public String toString() {
        return algorithm + ":" + hex;
    }

    /** The first 12 hex characters, as image listings show. */
    public String shortHex() {
        return hex.substring(0, 12);
    }

    @Override
    public int compareTo(Digest o) {
        return toString().compareTo(o.toString());
    }
}
