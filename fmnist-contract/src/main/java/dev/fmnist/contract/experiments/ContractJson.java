package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON mapping of events and control commands, for writers and readers alike. Readers accept
 * fields they do not know, so a newer producer does not break an older consumer; a null where a number
 * is required is refused, not read as 0.
 */
public final class ContractJson {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

    private ContractJson() {}

    /** {@code value} as JSON bytes: events, control commands and the records of the live-traffic topics. */
    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(byte[] json, Class<T> type) {
        T value;
        try {
            value = MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a valid " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
        if (value == null) { // the JSON literal null
            throw new IllegalArgumentException("not a valid " + type.getSimpleName() + ": null");
        }
        return value;
    }
}
