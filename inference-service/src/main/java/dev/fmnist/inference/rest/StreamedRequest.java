package dev.fmnist.inference.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A KServe infer body read in one streaming pass, with its memory bounded whatever it holds: each
 * input's {@code data} goes straight into a primitive buffer of at most the request's value limit
 * (never a tree of millions of nodes), and everything else (names, shapes, parameters, outputs) into a
 * small tree of at most {@value #MAX_OTHER_NODES} nodes. {@code data} sits in the tree as {@code true}.
 */
final class StreamedRequest {

    /** Nesting of {@code data} at most: the deepest accepted shape is [N, 1, 28, 28]. */
    static final int MAX_DATA_DEPTH = 4;
    /** KServe datatypes whose JSON data are not numbers (strings, booleans): refused by their datatype, not by element. */
    static final Set<String> NON_NUMERIC = Set.of("BYTES", "BOOL");
    /** Nodes outside the tensors' data: far above an honest request (a few dozen). */
    static final int MAX_OTHER_NODES = 4096;

    /** One input's values, in order, and whether each was written as an integer. */
    static final class Values {
        private double[] values = new double[1024];
        private boolean[] integral = new boolean[1024];
        private int count;
        /** The first element that is not a number: its index among the values, and its JSON kind. */
        private int otherAt = -1;
        private String otherKind;

        void other(String kind) {
            if (otherKind == null) {
                otherAt = count;
                otherKind = kind;
            }
        }

        void add(double value, boolean isIntegral, long max, String field) {
            if (count == max) {
                throw KServeJson.invalid(field + ": more than " + max + " values in one request");
            }
            if (count == values.length) {
                int grown = (int) Math.min(max, (long) values.length * 2);
                values = Arrays.copyOf(values, grown);
                integral = Arrays.copyOf(integral, grown);
            }
            values[count] = value;
            integral[count++] = isIntegral;
        }

        int count() {
            return count;
        }

        double value(int i) {
            return values[i];
        }

        boolean integral(int i) {
            return integral[i];
        }

        String text(int i) {
            return integral[i] ? String.valueOf((long) values[i]) : String.valueOf(values[i]);
        }
    }

    private final JsonParser parser;
    private final long maxValues;
    private final List<Values> data = new ArrayList<>();
    private int nodes;

    private StreamedRequest(JsonParser parser, long maxValues) {
        this.parser = parser;
        this.maxValues = maxValues;
    }

    /** The body's first {@code length} bytes as a request; INVALID_ARGUMENT naming what is wrong otherwise. */
    static Read read(byte[] body, int length, long maxValues) {
        try (JsonParser parser = KServeJson.MAPPER.getFactory().createParser(body, 0, length)) {
            StreamedRequest reader = new StreamedRequest(parser, maxValues);
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw KServeJson.invalid("body: expected a JSON object with \"inputs\"");
            }
            ObjectNode root = reader.object("", true);
            if (parser.nextToken() != null) {
                throw KServeJson.invalid("body: more after the JSON object");
            }
            return new Read(root, reader.data);
        } catch (JsonProcessingException e) {
            throw KServeJson.invalid("body: not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw KServeJson.invalid("body: unreadable: " + e.getMessage());
        }
    }

    /** The request without its tensors' values, and each input's values (by input index). */
    record Read(ObjectNode root, List<Values> data) {}

    /** An object whose START_OBJECT was just read; {@code top}: the request itself, whose inputs hold data. */
    private ObjectNode object(String path, boolean top) throws IOException {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        count(path);
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            if (top && name.equals("inputs") && parser.currentToken() == JsonToken.START_ARRAY) {
                node.set(name, inputs());
            } else {
                node.set(name, value(path + name));
            }
        }
        return node;
    }

    private ArrayNode inputs() throws IOException {
        ArrayNode inputs = JsonNodeFactory.instance.arrayNode();
        count("inputs");
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            String field = "inputs[" + index + "]";
            if (parser.currentToken() != JsonToken.START_OBJECT) {
                inputs.add(value(field)); // refused by name by the request's rules
                data.add(new Values());
                index++;
                continue;
            }
            ObjectNode input = JsonNodeFactory.instance.objectNode();
            Values values = new Values();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                if (name.equals("data")) {
                    data(field + ".data", values, 0);
                    input.put("data", true);
                } else {
                    input.set(name, value(field + "." + name));
                }
            }
            JsonNode datatype = input.get("datatype");
            if (values.otherKind != null && !(datatype != null && NON_NUMERIC.contains(datatype.asText()))) {
                throw KServeJson.invalid(field + ".data: element " + values.otherAt + " is " + values.otherKind
                        + ", expected a number");
            }
            inputs.add(input);
            data.add(values);
            index++;
        }
        return inputs;
    }

    /** {@code data}'s values, flat or nested as the shape says, straight into {@code values}. */
    private void data(String field, Values values, int depth) throws IOException {
        JsonToken token = parser.currentToken();
        if (token != JsonToken.START_ARRAY) {
            if (depth == 0) {
                throw KServeJson.invalid(field + ": expected an array of values");
            }
            if (token == JsonToken.VALUE_NUMBER_INT) {
                values.add(parser.getValueAsDouble(), true, maxValues, field);
            } else if (token == JsonToken.VALUE_NUMBER_FLOAT) {
                values.add(parser.getValueAsDouble(), false, maxValues, field);
            } else {
                // refused once the input's datatype is known: by element for a numeric one, else by the datatype
                values.other(kind(token));
                parser.skipChildren();
            }
            return;
        }
        if (depth == MAX_DATA_DEPTH) {
            throw KServeJson.invalid(field + ": nested deeper than the deepest accepted shape [N, 1, 28, 28]");
        }
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            data(field, values, depth + 1);
        }
    }

    /** Any other value, as a tree, counted against the node budget. */
    private JsonNode value(String path) throws IOException {
        JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT) {
            return object(path + ".", false);
        }
        count(path);
        if (token == JsonToken.START_ARRAY) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                array.add(value(path));
            }
            return array;
        }
        return parser.readValueAsTree();
    }

    private void count(String path) {
        if (++nodes > MAX_OTHER_NODES) {
            throw KServeJson.invalid((path.isEmpty() ? "body" : path) + ": more than " + MAX_OTHER_NODES
                    + " JSON values besides the tensors' data");
        }
    }

    private static String kind(JsonToken token) {
        return switch (token) {
            case VALUE_STRING -> "STRING";
            case VALUE_TRUE, VALUE_FALSE -> "BOOLEAN";
            case VALUE_NULL -> "NULL";
            case START_OBJECT -> "OBJECT";
            default -> token.name();
        };
    }
}
