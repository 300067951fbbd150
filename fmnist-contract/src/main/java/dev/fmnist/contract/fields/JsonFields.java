package dev.fmnist.contract.fields;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Reads the fields of a record from Kafka, which anyone who may write the topic may have forged:
 * every getter checks the JSON type and bounds, and every refusal is an {@link IllegalArgumentException}
 * whose message starts with the field's name ({@code label: expected an integer, got STRING}).
 */
public final class JsonFields {

    /** Decimals are read exactly, so a float written by {@code Float.toString} reads back as the same float. */
    private static final ObjectReader READER = new ObjectMapper()
            .configure(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, true)
            .reader();

    private final JsonNode node;

    private JsonFields(JsonNode node) {
        this.node = node;
    }

    /**
     * The JSON object in {@code json}: refuses a tombstone, more than {@code maxBytes} bytes, text that
     * is not JSON and JSON that is not an object ({@code shape} shows what is expected).
     */
    public static JsonFields object(byte[] json, int maxBytes, String shape) {
        if (json == null) {
            throw new IllegalArgumentException("value: a tombstone; expected " + shape);
        }
        if (json.length > maxBytes) {
            throw new IllegalArgumentException("value: " + json.length + " bytes, at most " + maxBytes);
        }
        JsonNode node;
        try {
            node = READER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("value: not valid JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("value: expected " + shape);
        }
        return new JsonFields(node);
    }

    /** The raw node of {@code field}, or null when absent or JSON null. */
    public JsonNode node(String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value;
    }

    /** A string of at most {@code maxLength} characters; null when absent and not required. */
    public String text(String field, boolean required, int maxLength) {
        return text(field, node(field), required, maxLength);
    }

    static String text(String field, JsonNode value, boolean required, int maxLength) {
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException(field + ": required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(field + ": expected a string, got " + value.getNodeType());
        }
        String text = value.asText();
        if (text.length() > maxLength) {
            throw new IllegalArgumentException(field + ": at most " + maxLength + " characters, got " + text.length());
        }
        return text;
    }

    /** A required integer in {@code min..max}. */
    public int integer(String field, int min, int max) {
        return (int) integer(field, node(field), min, max);
    }

    /** An optional integer in {@code min..max}; null when absent. */
    public Integer optionalInteger(String field, int min, int max) {
        JsonNode value = node(field);
        return value == null ? null : (int) integer(field, value, min, max);
    }

    /** A required integer in {@code min..max}, as a long. */
    public long longInteger(String field, long min, long max) {
        return integer(field, node(field), min, max);
    }

    /** An integer element of an array, named {@code field} (e.g. {@code predicted[3]}). */
    public static long integer(String field, JsonNode value, long min, long max) {
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw new IllegalArgumentException(field + ": expected an integer, got " + describe(value));
        }
        long number = value.longValue();
        if (number < min || number > max) {
            throw new IllegalArgumentException(field + ": must be between " + min + " and " + max + ", got " + number);
        }
        return number;
    }

    /** A finite number in {@code min..max}, exactly as written when it is a float. */
    public static float decimal(String field, JsonNode value, float min, float max) {
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException(field + ": expected a number, got " + value.getNodeType());
        }
        float number = value.isBigDecimal() ? Float.parseFloat(value.decimalValue().toString()) : value.floatValue();
        if (!Float.isFinite(number) || number < min || number > max) {
            throw new IllegalArgumentException(field + ": must be a number between " + min + " and " + max + ", got "
                    + describe(value));
        }
        return number;
    }

    /** A finite double in {@code min..max}; {@code absent} when the field is missing. */
    public double decimal(String field, double min, double max, double absent) {
        JsonNode value = node(field);
        if (value == null) {
            return absent;
        }
        if (!value.isNumber()) {
            throw new IllegalArgumentException(field + ": expected a number, got " + value.getNodeType());
        }
        double number = value.isBigDecimal() ? Double.parseDouble(value.decimalValue().toString()) : value.doubleValue();
        if (!Double.isFinite(number) || number < min || number > max) {
            throw new IllegalArgumentException(field + ": must be a number between " + min + " and " + max + ", got "
                    + describe(value));
        }
        return number;
    }

    /** A required ISO-8601 instant. */
    public Instant instant(String field) {
        String text = text(field, true, 64);
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(field + ": not an ISO-8601 instant: '" + text + "'");
        }
    }

    /**
     * {@code value}, read from {@code field}, when it is the record's {@code key}: a record says what it
     * is keyed by, so one written under another key is refused rather than counted there.
     */
    public static String requireKey(String field, String value, String key) {
        if (!value.equals(key)) {
            throw new IllegalArgumentException(field + ": '" + value + "' under the key '"
                    + (key == null ? "null" : WireNames.echo(key)) + "'; they must agree");
        }
        return value;
    }

    /** A required array of exactly {@code length} elements (or at most, when {@code exact} is false). */
    public JsonNode array(String field, int length, boolean exact) {
        return array(field, node(field), length, exact);
    }

    public static JsonNode array(String field, JsonNode value, int length, boolean exact) {
        if (value == null) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException(field + ": expected an array, got " + value.getNodeType());
        }
        if (exact ? value.size() != length : value.size() > length) {
            throw new IllegalArgumentException(field + ": expected " + (exact ? "" : "at most ") + length
                    + " elements, got " + value.size());
        }
        return value;
    }

    private static String describe(JsonNode value) {
        String text = value.isValueNode() ? value.asText() : value.getNodeType().toString();
        return WireNames.echo(text);
    }
}
