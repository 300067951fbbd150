package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.trainer.config.TrainerConfig;
import dev.fmnist.trainer.coordination.ExperimentStates;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import dev.fmnist.trainer.training.SweepCoordinator;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Requests whose experiment another trainer holds with a live lease, set aside un-acked so the
 * requests behind them on their partitions go on at once (no head-of-line wait). Un-acked, a parked
 * request is never lost: the channel's throttled commit never commits past it, so a restart or a
 * rebalance redelivers it. Every {@link #RECHECK} each is looked at again:
 * <ul>
 *   <li>its experiment ended or fanned out: the request was a duplicate, acked and counted;</li>
 *   <li>the holder's lease lapsed (by this trainer's own clock): the request is published again, as
 *       it came (key, value, headers, partition), and only then acked, so it comes back through the
 *       normal path and is claimed there;</li>
 *   <li>still held: it stays parked.</li>
 * </ul>
 * The set is bounded ({@code fmnist.trainer.parked-max}); when full, the consumer waits as it did
 * before parking existed. Requests of partitions revoked in a rebalance are dropped unacked: their new
 * owner gets them again, since their offsets were never committed.
 */
@ApplicationScoped
public class ParkedRequests {

    private static final Logger LOG = Logger.getLogger(ParkedRequests.class);
    static final Duration RECHECK = Duration.ofSeconds(1);

    /** A parked request: the message to ack, and what it takes to put it back on its topic. */
    private record Parked(Message<byte[]> message, String experimentId, String sweepToComplete,
            IncomingKafkaRecordMetadata<?, ?> kafka) {

        TopicPartition partition() {
            return new TopicPartition(kafka.getTopic(), kafka.getPartition());
        }

        String where() {
            return kafka.getTopic() + "-" + kafka.getPartition() + "@" + kafka.getOffset();
        }
    }

    @Inject
    ExperimentStates states;

    @Inject
    SweepCoordinator sweeps;

    @Inject
    TrainerMetrics metrics;

    @Inject
    TrainerConfig config;

    @Inject
    @Channel("requeued-requests")
    MutinyEmitter<byte[]> requeue;

    /** By topic-partition@offset, oldest first. */
    private final Map<String, Parked> parked = new LinkedHashMap<>();
    private ScheduledExecutorService recheck;

    /** Made with the application, so its gauge exists (at 0) from the start. */
    void start(@Observes StartupEvent start) {
        metrics.parkedRequests(this::size);
        recheck = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "parked-requests");
            thread.setDaemon(true);
            return thread;
        });
        recheck.scheduleWithFixedDelay(this::recheckAll, RECHECK.toMillis(), RECHECK.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent stop) {
        if (recheck != null) {
            recheck.shutdownNow();
        }
    }

    /**
     * Parks {@code message} (un-acked) until its experiment ends or its holder's lease lapses; false,
     * parking nothing, when the set is full.
     */
    public boolean park(Message<byte[]> message, String experimentId, String sweepToComplete) {
        IncomingKafkaRecordMetadata<?, ?> kafka = message.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
        Parked entry = new Parked(message, experimentId, sweepToComplete, kafka);
        synchronized (parked) {
            if (parked.size() >= config.trainer().parkedMax()) {
                return false;
            }
            parked.put(entry.where(), entry);
        }
        return true;
    }

    public int size() {
        synchronized (parked) {
            return parked.size();
        }
    }

    /** A rebalance took these partitions away: their requests are the new owner's now (never committed). */
    public void dropPartitions(Collection<TopicPartition> revoked) {
        int dropped = 0;
        synchronized (parked) {
            var it = parked.values().iterator();
            while (it.hasNext()) {
                if (revoked.contains(it.next().partition())) {
                    it.remove();
                    dropped++;
                }
            }
        }
        if (dropped > 0) {
            LOG.infof("%d parked requests dropped with their revoked partitions; their new owner gets them again",
                    dropped);
        }
    }

    /** One pass over the parked requests; package-private for tests that do not wait for the timer. */
    void recheckAll() {
        List<Parked> now;
        synchronized (parked) {
            now = new ArrayList<>(parked.values());
        }
        for (Parked entry : now) {
            try {
                recheck(entry);
            } catch (RuntimeException e) {
                // kept parked: the next pass tries again (a publish that failed acked nothing)
                LOG.warnf(e, "parked request %s of experiment %s: re-check failed; trying again in %d s",
                        entry.where(), entry.experimentId(), RECHECK.toSeconds());
            }
        }
    }

    private void recheck(Parked entry) {
        Optional<ExperimentState> known = states.get(entry.experimentId());
        if (known.isPresent() && (known.get().isEnded() || known.get().isFannedOut())) {
            if (remove(entry)) {
                LOG.infof("parked request %s: experiment %s %s meanwhile; a duplicate, not taken again", entry.where(),
                        entry.experimentId(), known.get().isEnded() ? "ended (" + known.get().status() + ")"
                                : "fanned out to its children");
                metrics.duplicateSkipped();
                entry.message().ack();
                sweeps.completeIfLast(entry.sweepToComplete());
            }
            return;
        }
        if (known.isPresent() && states.heldLive(known.get())) {
            return;
        }
        // lapsed (or forgotten): back on the topic as it came, then acked; it is claimed on the normal path
        RecordHeaders headers = new RecordHeaders();
        for (Header header : entry.kafka().getHeaders()) {
            headers.add(header.key(), header.value());
        }
        Object key = entry.kafka().getKey();
        requeue.sendMessageAndAwait(Message.of(entry.message().getPayload()).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withTopic(entry.kafka().getTopic())
                        .withKey(key == null ? null : key.toString()).withPartition(entry.kafka().getPartition())
                        .withHeaders(headers).build()));
        if (remove(entry)) {
            entry.message().ack();
        }
        LOG.infof("parked request %s: experiment %s's holder %s was not seen for %d s; request published again "
                + "to be claimed", entry.where(), entry.experimentId(),
                known.map(ExperimentState::worker).orElse("(none)"),
                states.sinceSeen(entry.experimentId()).toSeconds());
    }

    /** True when it was still parked (not dropped by a rebalance meanwhile). */
    private boolean remove(Parked entry) {
        synchronized (parked) {
            return parked.remove(entry.where(), entry);
        }
    }
}
