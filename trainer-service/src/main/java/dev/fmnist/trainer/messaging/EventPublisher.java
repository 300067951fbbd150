package dev.fmnist.trainer.messaging;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.engine.experiments.ExperimentEvent;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.UncheckedIOException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Writes lifecycle events to {@code fmnist.experiment-events}, keyed by experiment id, and waits for the broker. */
@ApplicationScoped
public class EventPublisher {

    static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    @Channel("experiment-events")
    MutinyEmitter<String> events;

    /** Returns once the broker has the event; a terminal event must be durable before its request is acked. */
    public void publish(ExperimentEvent event) {
        String json;
        try {
            json = JSON.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        events.sendMessageAndAwait(Message.of(json).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(event.experimentId()).build()));
    }
}
