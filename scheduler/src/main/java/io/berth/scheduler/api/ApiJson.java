package io.berth.scheduler.api;

import com.fasterxml.jackson.annotation.JsonIgnoreType;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.EnumFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.berth.protocol.job.Durations;
import io.berth.protocol.job.Job;
import io.berth.protocol.job.JobSpecs;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The API's JSON: snake_case field names, lower-case enums, ISO-8601 instants, durations as a job spec writes
 * them ({@code "1h30m"}), actor references left out. Request bodies are read strictly: unknown fields, duplicate
 * keys and trailing content are errors that name the field (or line and column). Thread-safe.
 */
final class ApiJson {
    @JsonIgnoreType
    private interface Ignored {}

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addModule(new JavaTimeModule())
            .addModule(new SimpleModule("berth-api").addSerializer(Duration.class, new DurationSerializer()))
            .addMixIn(ActorRef.class, Ignored.class)
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(EnumFeature.WRITE_ENUMS_TO_LOWERCASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    /** JSON already written, answered as it is. */
    record Raw(byte[] bytes) {}

    private ApiJson() {}

    static byte[] write(Object value) {
        if (value instanceof Raw raw) {
            return raw.bytes();
        }
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getSimpleName() + " as JSON", e);
        }
    }

    /** A job spec as a JSON tree in the spec's own form, for embedding in answers. */
    static JsonNode spec(Job job) {
        try {
            return MAPPER.readTree(JobSpecs.toJson(job));
        } catch (IOException e) {
            throw new IllegalStateException("cannot read back job " + job.id(), e);
        }
    }

    /**
     * Reads a request body into {@code type} (a record).
     *
     * @throws ApiException 400 naming the line and column of malformed JSON, or the field that is unknown or of
     *                      the wrong type
     */
    static <T> T read(byte[] body, Class<T> type) {
        if (body.length == 0) {
            throw new ApiException(400, "the request needs a JSON body");
        }
        try {
            return MAPPER.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            String allowed = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream()
                    .map(Object::toString).sorted().collect(Collectors.joining(", "));
            throw ApiException.badRequest(path(e), "unknown field (allowed here: " + allowed + ")");
        } catch (MismatchedInputException e) {
            if (e.getPath().isEmpty()) {
                throw new ApiException(400, "expected a JSON object: " + e.getOriginalMessage());
            }
            throw ApiException.badRequest(path(e), "wrong type: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new ApiException(400, "cannot read the body: " + e.getMessage());
        }
    }

    /** Checks that a body is well-formed JSON. */
    static void checkSyntax(byte[] body) {
        try (JsonParser parser = MAPPER.createParser(body)) {
            while (parser.nextToken() != null) {
                parser.skipChildren();
            }
        } catch (JsonProcessingException e) {
            throw malformed(e);
        } catch (IOException e) {
            throw new ApiException(400, "cannot read the body: " + e.getMessage());
        }
    }

    static ApiException malformed(JsonProcessingException e) {
        String where = e.getLocation() == null ? ""
                : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        String message = "malformed JSON" + where + ": " + e.getOriginalMessage();
        return new ApiException(400, message, List.of(new ApiException.FieldError("", message)));
    }

    private static String path(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static final class DurationSerializer extends StdSerializer<Duration> {
        DurationSerializer() {
            super(Duration.class);
        }

        @Override
        public void serialize(Duration value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(Durations.format(value));
        }
    }
}
