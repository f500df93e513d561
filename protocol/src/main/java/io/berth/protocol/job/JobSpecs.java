package io.berth.protocol.job;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads job specs from JSON or YAML and validates them. A spec is read in two passes: the document's fields are
 * first checked against the records (every unknown field reported with its path and the fields allowed there),
 * then bound and validated; every problem found lands in one {@link InvalidJobException}.
 * A value of the wrong type (a string for {@code count}) stops binding, so it is reported with the unknown
 * fields but without the validation errors behind it. Thread-safe.
 */
public final class JobSpecs {
    /** The document formats a spec may come in. */
    public enum Format { JSON, YAML }

    private static final ObjectMapper JSON = configure(JsonMapper.builder()).build();
    private static final ObjectMapper YAML = configure(YAMLMapper.builder()).build();
    private static final PropertyNamingStrategies.NamingBase NAMING =
            (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

    /**
     * The spec fields of each record, by name, with their types: found by reflection once per class, not for every
     * spec read (the reflection cost more than the rest of reading a spec).
     */
    private static final ClassValue<Map<String, Type>> FIELDS = new ClassValue<>() {
        @Override
        protected Map<String, Type> computeValue(Class<?> c) {
            Map<String, Type> fields = new LinkedHashMap<>();
            for (RecordComponent rc : c.getRecordComponents()) {
                JsonProperty named = rc.getAccessor().getAnnotation(JsonProperty.class);
                fields.put(named != null ? named.value() : NAMING.translate(rc.getName()), rc.getGenericType());
            }
            return Collections.unmodifiableMap(fields);
        }
    };

    private JobSpecs() {}

    private static <M extends ObjectMapper, B extends MapperBuilder<M, B>> B configure(B builder) {
        return builder
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(Durations.module())
                // unknown fields are found (all of them, with paths) by checkFields before binding
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .serializationInclusion(JsonInclude.Include.NON_EMPTY);
    }

    /**
     * Reads and validates a spec file; {@code .yaml} and {@code .yml} are YAML, anything else JSON.
     *
     * @throws InvalidJobException if the file cannot be read, parsed or validated; the message names the file
     */
    public static Job parse(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        Format format = name.endsWith(".yaml") || name.endsWith(".yml") ? Format.YAML : Format.JSON;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidJobException(file.toString(), List.of("no such file"));
        } catch (IOException e) {
            throw new InvalidJobException(file.toString(), List.of("cannot read: " + e.getMessage()));
        }
        return parse(file.toString(), bytes, format);
    }

    /**
     * What is wrong with a document's syntax, on one line. SnakeYAML's message spans several lines with an
     * excerpt of the document and a caret; its problem and context say the same in a line.
     */
    private static String syntaxProblem(JsonProcessingException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.yaml.snakeyaml.error.MarkedYAMLException m && m.getProblem() != null) {
                var mark = m.getContextMark();
                return m.getProblem() + (m.getContext() == null ? "" : " (" + m.getContext()
                        + (mark == null ? "" : " that starts at line " + (mark.getLine() + 1) + ", column "
                                + (mark.getColumn() + 1)) + ")");
            }
        }
        return e.getOriginalMessage();
    }

    /**
     * Reads and validates a spec; {@code source} names it in errors.
     *
     * @throws InvalidJobException listing every problem found
     */
    public static Job parse(String source, byte[] document, Format format) {
        ObjectMapper mapper = format == Format.YAML ? YAML : JSON;
        JsonNode tree;
        try {
            tree = mapper.readTree(document);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw new InvalidJobException(source, List.of("not valid " + format + where + ": " + syntaxProblem(e)));
        } catch (IOException e) {
            throw new InvalidJobException(source, List.of("cannot read: " + e.getMessage()));
        }
        if (tree == null || tree.isMissingNode() || tree.isNull()) {
            throw new InvalidJobException(source, List.of("the document is empty: a job needs at least an id and a group"));
        }
        List<String> errors = new ArrayList<>();
        checkFields(tree, Job.class, "", errors);
        Job job;
        try {
            job = mapper.treeToValue(tree, Job.class);
        } catch (JsonMappingException e) {
            errors.add(path(e) + ": " + e.getOriginalMessage());
            throw new InvalidJobException(source, errors);
        } catch (JsonProcessingException e) {
            errors.add(e.getOriginalMessage());
            throw new InvalidJobException(source, errors);
        }
        errors.addAll(validate(job));
        if (!errors.isEmpty()) {
            throw new InvalidJobException(source, errors);
        }
        return job;
    }

    /** Every problem in a job, each "field path: problem"; empty when it can run. */
    public static List<String> validate(Job job) {
        return new JobValidator().validate(job);
    }

    /** The job as JSON, in the same snake_case a spec is written in; {@link #parse} reads it back. */
    public static byte[] toJson(Job job) {
        try {
            return JSON.writeValueAsBytes(job);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise job " + job.id(), e);
        }
    }

    /** Reports fields of {@code node} that {@code type} (a record) has no component for, recursively. */
    private static void checkFields(JsonNode node, Type type, String at, List<String> errors) {
        if (node == null || node.isNull()) {
            return;
        }
        if (type instanceof ParameterizedType p && p.getRawType() == List.class && node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                checkFields(node.get(i), p.getActualTypeArguments()[0], at + "[" + i + "]", errors);
            }
            return;
        }
        if (!(type instanceof Class<?> c) || !c.isRecord() || !node.isObject()) {
            return; // scalars, maps and type mismatches: binding reports the latter
        }
        Map<String, Type> fields = FIELDS.get(c);
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String fieldAt = at.isEmpty() ? field.getKey() : at + "." + field.getKey();
            Type fieldType = fields.get(field.getKey());
            if (fieldType == null) {
                errors.add(fieldAt + ": unknown field (allowed here: " + String.join(", ", fields.keySet()) + ")");
            } else {
                checkFields(field.getValue(), fieldType, fieldAt, errors);
            }
        }
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
        return path.length() == 0 ? "(document)" : path.toString();
    }
}
