package dev.fmnist.trainer.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The experiments channel's rebalance listener (its consumer-rebalance-listener.name): parked requests
 * of partitions this trainer no longer owns are dropped, never acked, so their new owner gets them.
 */
@ApplicationScoped
@Identifier(ParkedRequestsRebalance.NAME)
public class ParkedRequestsRebalance implements KafkaConsumerRebalanceListener {

    static final String NAME = "experiments-rebalance";

    @Inject
    ParkedRequests parked;

    @Override
    public void onPartitionsRevoked(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        parked.dropPartitions(partitions);
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        parked.dropPartitions(partitions);
    }
}
