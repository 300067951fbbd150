package dev.fmnist.trainer.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Copies rejected requests, byte for byte, to {@code fmnist.experiments.dlq} with the reason in headers. */
@ApplicationScoped
public class DeadLetterPublisher {

    public static final String FIELD_HEADER = "fmnist-error-field";
    public static final String RULE_HEADER = "fmnist-error-rule";
    public static final String SOURCE_HEADER = "fmnist-source";

    @Inject
    @Channel("experiments-dlq")
    MutinyEmitter<byte[]> deadLetters;

    public void publish(String key, byte[] original, String field, String rule, String source) {
        Records.send(deadLetters, key, original == null ? new byte[0] : original,
                Map.of(FIELD_HEADER, field, RULE_HEADER, rule, SOURCE_HEADER, source));
    }
}
