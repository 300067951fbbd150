package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.experiments.ExperimentEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/** Writes lifecycle events to {@code fmnist.experiment-events}, keyed by experiment id, and waits for the broker. */
@ApplicationScoped
public class EventPublisher {

    @Inject
    @Channel("experiment-events")
    MutinyEmitter<String> events;

    /** Returns once the broker has the event; a terminal event must be durable before its request is acked. */
    public void publish(ExperimentEvent event) {
        events.sendMessageAndAwait(Message.of(event.toJsonString()).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(event.experimentId()).build()));
    }
}
