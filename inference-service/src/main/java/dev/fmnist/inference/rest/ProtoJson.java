package dev.fmnist.inference.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.MapEntry;
import com.google.protobuf.Message;
import java.math.BigInteger;
import java.util.Base64;
import java.util.List;

/**
 * Triton's messages as the JSON its HTTP endpoints answer (model configuration, statistics): the
 * message's own field names, enums by name, 64-bit integers as JSON numbers (not protobuf's strings),
 * scalars, lists and maps always (defaults included, as Triton prints them), sub-messages when set.
 * One generic conversion, so the REST answer is the gRPC one field for field.
 */
final class ProtoJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ProtoJson() {}

    static ObjectNode of(Message message) {
        ObjectNode json = NODES.objectNode();
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (field.isMapField()) {
                ObjectNode map = json.putObject(field.getName());
                for (Object entry : (List<?>) message.getField(field)) {
                    MapEntry<?, ?> e = (MapEntry<?, ?>) entry;
                    FieldDescriptor valueField = e.getDescriptorForType().findFieldByName("value");
                    map.set(String.valueOf(e.getKey()), value(valueField, e.getValue()));
                }
            } else if (field.isRepeated()) {
                ArrayNode list = json.putArray(field.getName());
                for (Object element : (List<?>) message.getField(field)) {
                    list.add(value(field, element));
                }
            } else if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE || field.getRealContainingOneof() != null) {
                if (message.hasField(field)) {
                    json.set(field.getName(), value(field, message.getField(field)));
                }
            } else {
                json.set(field.getName(), value(field, message.getField(field)));
            }
        }
        return json;
    }

    private static JsonNode value(FieldDescriptor field, Object value) {
        return switch (field.getJavaType()) {
            case MESSAGE -> of((Message) value);
            case ENUM -> NODES.textNode(((EnumValueDescriptor) value).getName());
            case INT -> field.getType() == FieldDescriptor.Type.UINT32 || field.getType() == FieldDescriptor.Type.FIXED32
                    ? NODES.numberNode(Integer.toUnsignedLong((Integer) value)) : NODES.numberNode((Integer) value);
            case LONG -> (Long) value < 0 && (field.getType() == FieldDescriptor.Type.UINT64
                    || field.getType() == FieldDescriptor.Type.FIXED64)
                    ? NODES.numberNode(new BigInteger(Long.toUnsignedString((Long) value)))
                    : NODES.numberNode((Long) value);
            case FLOAT -> NODES.numberNode((Float) value);
            case DOUBLE -> NODES.numberNode((Double) value);
            case BOOLEAN -> NODES.booleanNode((Boolean) value);
            case STRING -> NODES.textNode((String) value);
            case BYTE_STRING -> NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
        };
    }
}
