package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON mapping of events and control commands, for writers and readers alike. Readers accept
 * fields they do not know, so a newer producer does not break an older consumer; a null where a number
 * is required is refused, not read as 0.
 */
public final class ContractJson {

    /**
     * Floats written and read by Jackson's own shortest-form algorithms rather than Java 17's
     * {@code Float.toString} and {@code Float.parseFloat}: the same values, several times faster, and
     * the prediction log writes ten probabilities for every answered image.
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .build())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .build();

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
