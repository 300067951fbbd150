package dev.fmnist.inference.live;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A contract record in the processor's own stores and internal topics: its key, then its JSON, read
 * back through the record's parser (which needs the key, and checks the record agrees with it), so
 * nothing the processor keeps escapes the contract's checks.
 */
final class KeyedJsonSerde {

    private KeyedJsonSerde() {}

    static <T> Serde<T> of(Function<T, String> key, Function<T, byte[]> json, BiFunction<String, byte[], T> parse) {
        Serializer<T> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                LiveEvent.writeKeyed(out, key.apply(value), json.apply(value));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        };
        Deserializer<T> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                String recordKey = in.readUTF();
                return parse.apply(recordKey, LiveEvent.readBytes(in));
            } catch (IOException e) {
                throw new IllegalArgumentException("record: truncated (" + e.getMessage() + ")", e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
