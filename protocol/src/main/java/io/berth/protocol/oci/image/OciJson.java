package io.berth.protocol.oci.image;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.stream.Collectors;

/**
 * Reads and writes image-spec documents. Reading is lenient about unknown fields (the spec requires it) and
 * strict about required ones; a bad document throws {@link IllegalArgumentException} naming the document,
 * the JSON path and the line. Thread-safe.
 */
public final class OciJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_EMPTY, JsonInclude.Include.USE_DEFAULTS));

    private OciJson() {
    }

    /** The shared mapper; do not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Parses and validates a manifest; {@code what} names the source in errors (e.g. a digest). */
    public static Manifest manifest(byte[] json, String what) {
        return read(json, Manifest.class, what).validate();
    }

    /** Parses and validates an index or manifest list. */
    public static ImageIndex index(byte[] json, String what) {
        return read(json, ImageIndex.class, what).validate();
    }

    /** Parses and validates an image config. */
    public static ImageConfig config(byte[] json, String what) {
        return read(json, ImageConfig.class, what).validate();
    }

    /**
     * The {@code mediaType} field of a manifest or index, or null when the document has none (allowed by OCI,
     * in which case the descriptor that points to it decides).
     */
    public static String mediaTypeOf(byte[] json, String what) {
        JsonNode node = tree(json, what);
        JsonNode mt = node.get("mediaType");
        return mt == null || mt.isNull() ? null : mt.asText();
    }

    /** Parses into {@code type}, with errors naming {@code what}, the JSON path and the line. */
    public static <T> T read(byte[] json, Class<T> type, String what) {
        try {
            T value = MAPPER.readValue(json, type);
            if (value == null) {
                throw new IllegalArgumentException(what + ": empty JSON document");
            }
            return value;
        } catch (JsonMappingException e) {
            String path = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining("."));
            Throwable cause = e.getCause() instanceof IllegalArgumentException iae ? iae : e;
            throw new IllegalArgumentException(what + ": invalid " + type.getSimpleName() + " at '" + path + "'"
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")
                    + ": " + (cause == e ? e.getOriginalMessage() : cause.getMessage()), e);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + ": not valid JSON"
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")
                    + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode tree(byte[] json, String what) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + ": not valid JSON"
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : "")
                    + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serialises compactly; the bytes are what gets digested, so they are deterministic for a given record. */
    public static byte[] write(Object document) {
        try {
            return MAPPER.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + document.getClass().getSimpleName(), e);
        }
    }
}
