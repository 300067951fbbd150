package dev.fmnist.inference.messaging;

import io.smallrye.common.annotation.Identifier;
import io.smallrye.reactive.messaging.kafka.KafkaConsumerRebalanceListener;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Collection;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Where the {@code models} channel starts reading: at the end offset start-up indexed up to, once
 * start-up has loaded what it serves (it waits for that here, on the channel's polling thread, so no
 * artefact reaches the repository before), or on a later assignment where it left off. Never from the
 * beginning: the history is the index's.
 */
@ApplicationScoped
@Identifier(FollowFromIndexedEnd.NAME)
public class FollowFromIndexedEnd implements KafkaConsumerRebalanceListener {

    /** The name {@code mp.messaging.incoming.models.consumer-rebalance-listener.name} gives. */
    public static final String NAME = "models-follow-from-index";
    private static final Logger LOG = Logger.getLogger(FollowFromIndexedEnd.class);
    private static final Duration WAIT_LOG = Duration.ofSeconds(30);

    @Inject
    ModelsStartUp startUp;

    @Inject
    ModelFollower follower;

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        OptionalLong from = OptionalLong.empty();
        try {
            while (from.isEmpty() && !startUp.stopping()) {
                from = startUp.awaitFollowFrom(WAIT_LOG);
                if (from.isEmpty() && !startUp.stopping()) {
                    LOG.infof("models channel: waiting for start-up to index the models topic before following it");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (from.isEmpty()) {
            return; // stopping: the follower hands nothing over before start-up is done
        }
        for (TopicPartition partition : partitions) {
            long position = Math.max(from.getAsLong(), follower.next());
            consumer.seek(partition, position);
            LOG.infof("models channel: following %s from offset %d", partition, position);
        }
    }
}
