package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.kafka.Headers;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Copies rejected requests, byte for byte, to {@code fmnist.experiments.dlq} with the reason in headers. */
@ApplicationScoped
public class DeadLetterPublisher {

    @Inject
    @Channel("experiments-dlq")
    MutinyEmitter<byte[]> deadLetters;

    public void publish(String key, byte[] original, String field, String rule, String source) {
        Records.send(deadLetters, key, original == null ? new byte[0] : original,
                Map.of(Headers.ERROR_FIELD, field, Headers.ERROR_RULE, rule, Headers.SOURCE, source));
    }
}
