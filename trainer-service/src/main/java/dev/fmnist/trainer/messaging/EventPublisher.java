package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.trainer.config.TrainerConfig;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * Writes lifecycle events to {@code fmnist.experiment-events}, keyed by experiment id, and waits for the
 * broker; a terminal event goes out with the rest of its run's end, as a {@link #record} of that
 * transaction ({@code Claim.end}).
 */
@ApplicationScoped
public class EventPublisher {

    @Inject
    @Channel("experiment-events")
    MutinyEmitter<String> events;

    @Inject
    TrainerConfig config;

    /** {@code event} as the record {@link #publish} would write, for a transaction's producer. */
    public ProducerRecord<String, byte[]> record(ExperimentEvent event) {
        return new ProducerRecord<>(Topic.EXPERIMENT_EVENTS.name(config.kafka().topicPrefix()), event.experimentId(),
                event.toJsonString().getBytes(StandardCharsets.UTF_8));
    }

    /** Returns once the broker has the event; a terminal event must be durable before its request is acked. */
    public void publish(ExperimentEvent event) {
        events.sendMessageAndAwait(Message.of(event.toJsonString()).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(event.experimentId()).build()));
    }
}
