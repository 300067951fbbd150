package dev.fmnist.contract.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * What the schema tests hold a published schema to the code with: the schema as shipped, its
 * validator, the names of an object's fields, of a record's components and of an enum's values, and
 * the fields the code refuses to be without.
 */
public final class SchemaChecks {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);

    private SchemaChecks() {}

    /** The schema as the contract's jar ships it (read from the class path). */
    public static JsonNode schema(ContractSchema schema) {
        try (InputStream in = schema.open()) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonSchema validator(ContractSchema schema) {
        return validator(schema(schema));
    }

    public static JsonSchema validator(JsonNode schema) {
        return SCHEMAS.getSchema(schema);
    }

    /** JSON Schema 2020-12's own schema: what every published schema must be valid against. */
    public static JsonSchema metaSchema() {
        return SCHEMAS.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    }

    /** The field names of a JSON object (a schema's {@code properties}, or a record as written), sorted. */
    public static Set<String> names(JsonNode properties) {
        Set<String> names = new TreeSet<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** The component names of a record, sorted. */
    public static Set<String> components(Class<? extends Record> type) {
        Set<String> names = new TreeSet<>();
        Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).forEach(names::add);
        return names;
    }

    /** The elements of a JSON array (an {@code enum}, a {@code required}) as text, in order. */
    public static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    /**
     * The fields of {@code full} whose absence makes {@code parse} refuse it (an
     * {@link IllegalArgumentException}): {@code parse} is given {@code full} with each field left out in turn.
     */
    public static Set<String> requiredByCode(JsonNode full, Consumer<ObjectNode> parse) {
        Set<String> required = new TreeSet<>();
        for (String field : names(full)) {
            ObjectNode without = full.deepCopy();
            without.remove(field);
            try {
                parse.accept(without);
            } catch (IllegalArgumentException e) {
                required.add(field);
            }
        }
        return required;
    }

    /** {@code node} as JSON bytes. */
    public static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
