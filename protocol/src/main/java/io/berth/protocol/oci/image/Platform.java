package io.berth.protocol.oci.image;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Locale;

/**
 * The platform an image runs on, as an index entry declares it. {@link #normalize()} applies the
 * spellings Docker and containerd agree on (aarch64 → arm64, x86_64 → amd64, armhf → arm/v7, arm64 with no
 * variant → v8, arm with no variant → v7), and {@link #matches(Platform)} decides whether an index entry can
 * run on this (normalised) platform: an arm/v7 host also runs v6 and v5 images, an arm64 host runs v8 ones.
 *
 * @param architecture required, e.g. {@code amd64}, {@code arm64}, {@code arm}
 * @param os           required, e.g. {@code linux}
 * @param osVersion    optional
 * @param osFeatures   optional
 * @param variant      optional, e.g. {@code v7}, {@code v8}
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Platform(
        @JsonProperty("architecture") String architecture,
        @JsonProperty("os") String os,
        @JsonProperty("os.version") String osVersion,
        @JsonProperty("os.features") List<String> osFeatures,
        @JsonProperty("variant") String variant) {

    public Platform {
        osFeatures = osFeatures == null ? List.of() : List.copyOf(osFeatures);
    }

    /** {@code os/architecture[/variant]}, e.g. {@code linux/arm/v7}. */
    public static Platform of(String os, String architecture, String variant) {
        return new Platform(architecture, os, null, List.of(), variant);
    }

    /**
     * Parses {@code os/arch[/variant]}.
     *
     * @throws IllegalArgumentException naming the value when it does not have two or three parts
     */
    public static Platform parse(String value) {
        String[] parts = value == null ? new String[0] : value.split("/", -1);
        if (parts.length < 2 || parts.length > 3 || parts[0].isBlank() || parts[1].isBlank()) {
            throw new IllegalArgumentException("platform '" + value + "': expected os/architecture[/variant], e.g. linux/arm64/v8");
        }
        return of(parts[0], parts[1], parts.length == 3 ? parts[2] : null).normalize();
    }

    /** The platform of the running JVM, normalised. */
    public static Platform current() {
        return of(System.getProperty("os.name").toLowerCase(Locale.ROOT), System.getProperty("os.arch"), null).normalize();
    }

    /** The canonical spelling of this platform (see the class comment). */
    public Platform normalize() {
        String o = os == null ? null : os.toLowerCase(Locale.ROOT);
        String a = architecture == null ? null : architecture.toLowerCase(Locale.ROOT);
        String v = variant == null || variant.isEmpty() ? null : variant.toLowerCase(Locale.ROOT);
        if (a != null) {
            switch (a) {
                case "x86_64", "x86-64" -> { a = "amd64"; if ("v1".equals(v)) v = null; }
                case "amd64" -> { if ("v1".equals(v)) v = null; }
                case "i386", "i686", "x86" -> a = "386";
                case "aarch64", "arm64" -> { a = "arm64"; if (v == null || v.equals("8")) v = "v8"; }
                case "armhf" -> { a = "arm"; v = "v7"; }
                case "armel" -> { a = "arm"; v = "v6"; }
                case "arm" -> { if (v == null) v = "v7"; else if (v.matches("[5-8]")) v = "v" + v; }
                default -> { }
            }
        }
        return new Platform(a, o, osVersion, osFeatures, v);
    }

    /**
     * Whether an image built for {@code candidate} runs on this platform. Both sides are normalised first;
     * os and architecture must be equal; for arm an older variant is accepted (v7 runs v6 and v5).
     */
    public boolean matches(Platform candidate) {
        Platform me = normalize();
        Platform other = candidate.normalize();
        if (me.os == null || !me.os.equals(other.os) || me.architecture == null || !me.architecture.equals(other.architecture)) {
            return false;
        }
        if (me.architecture.equals("arm") && me.variant != null && other.variant != null) {
            return armLevel(other.variant) <= armLevel(me.variant);
        }
        return me.variant == null || other.variant == null || me.variant.equals(other.variant);
    }

    /** A score to prefer the closest match when several entries {@link #matches} (higher is better). */
    public int preference(Platform candidate) {
        Platform me = normalize();
        Platform other = candidate.normalize();
        if (me.variant != null && me.variant.equals(other.variant)) {
            return 100;
        }
        return me.architecture.equals("arm") && other.variant != null ? armLevel(other.variant) : 0;
    }

    private static int armLevel(String variant) {
        return variant.length() == 2 && Character.isDigit(variant.charAt(1)) ? variant.charAt(1) - '0' : 0;
    }

    @JsonIgnore
    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null || variant.isEmpty() ? "" : "/" + variant);
    }
}
