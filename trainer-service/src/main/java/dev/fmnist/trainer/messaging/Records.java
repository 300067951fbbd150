package dev.fmnist.trainer.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Sends a keyed byte record with string headers and waits until the broker has it. */
public final class Records {

    private Records() {}

    public static void send(MutinyEmitter<byte[]> emitter, String key, byte[] value, Map<String, String> headers) {
        send(emitter, key, -1, value, headers);
    }

    /** To {@code partition}; -1 lets the key choose. */
    public static void send(MutinyEmitter<byte[]> emitter, String key, int partition, byte[] value,
            Map<String, String> headers) {
        RecordHeaders kafkaHeaders = new RecordHeaders();
        headers.forEach((name, text) -> kafkaHeaders.add(name, text.getBytes(StandardCharsets.UTF_8)));
        emitter.sendMessageAndAwait(Message.of(value).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(key).withPartition(partition).withHeaders(kafkaHeaders).build()));
    }
}
