package dev.fmnist.system;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.CompactedTopicView;
import dev.fmnist.contract.kafka.Topic;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * What the chaos soak sees of the system, as a client would: the events topic (every record, when it
 * arrived) and the state topic folded by the contract's own {@link StateTable}, followed from the
 * beginning for as long as the soak runs, through broker kills. Hostile records on the state topic
 * (the soak's own garbage and forgeries) are counted, not applied.
 */
final class ChaosObserver implements AutoCloseable {

    /** Type names of events that the contract of this build may not know yet: counted by name. */
    static final String RESUMED = "RESUMED";

    /**
     * One record of the events topic.
     *
     * @param key its key
     * @param type what its {@code type} field says (also for a kind this build cannot parse)
     * @param event the event, or null when the contract cannot read it
     * @param seenAtMs when the observer received it (this machine's wall clock, like every fault's time)
     */
    record Seen(String key, String type, ExperimentEvent event, long seenAtMs) {
        String experimentId() {
            return event != null ? event.experimentId() : key;
        }
    }

    private final CompactedTopicView view;
    private final String eventsTopic;
    private final StateTable states = new StateTable();
    private final List<Seen> events = new ArrayList<>();
    private final AtomicLong refusedStateRecords = new AtomicLong();
    private final AtomicLong unreadableEvents = new AtomicLong();

    private ChaosObserver(String bootstrap, String prefix) {
        eventsTopic = Topic.EXPERIMENT_EVENTS.name(prefix);
        String stateTopic = Topic.EXPERIMENT_STATE.name(prefix);
        view = CompactedTopicView.builder(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                List.of(eventsTopic, stateTopic)).name("chaos-observer").build();
    }

    /** Follows the events and state topics under {@code prefix} on a thread of its own. */
    static ChaosObserver start(String bootstrap, String prefix) throws InterruptedException {
        ChaosObserver observer = new ChaosObserver(bootstrap, prefix);
        observer.view.start(observer::handle);
        if (!observer.view.awaitCaughtUp(Duration.ofMinutes(1))) {
            observer.close();
            throw new IllegalStateException("the chaos observer could not read " + prefix + "'s topics within a minute");
        }
        return observer;
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        if (record.topic().equals(eventsTopic)) {
            onEvent(record);
            return;
        }
        try {
            states.apply(record.key(), record.value());
        } catch (RuntimeException e) { // garbage, a wrong key, a bad instant: what a trainer must refuse too
            refusedStateRecords.incrementAndGet();
        }
    }

    private void onEvent(ConsumerRecord<String, byte[]> record) {
        long now = System.currentTimeMillis();
        String type = null;
        ExperimentEvent event = null;
        try {
            JsonNode node = record.value() == null ? null : Json.MAPPER.readTree(record.value());
            type = node != null && node.path("type").isTextual() ? node.path("type").asText() : null;
            event = ExperimentEvent.parse(record.value());
        } catch (IOException | RuntimeException e) {
            if (type == null) {
                unreadableEvents.incrementAndGet();
                return;
            }
        }
        synchronized (events) {
            events.add(new Seen(record.key(), type, event, now));
        }
    }

    /** Every event record so far, in the order received. */
    List<Seen> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The first event received at or after {@code fromMs} that {@code which} accepts. */
    Optional<Seen> firstSince(long fromMs, Predicate<Seen> which) {
        return events().stream().filter(s -> s.seenAtMs() >= fromMs && which.test(s)).findFirst();
    }

    Optional<ExperimentState> state(String experimentId) {
        return states.get(experimentId);
    }

    Collection<ExperimentState> states() {
        return List.copyOf(states.all());
    }

    /** State records refused by the contract's fold: the soak's garbage and forgeries that name no valid state. */
    long refusedStateRecords() {
        return refusedStateRecords.get();
    }

    /** Event records with no readable {@code type}: none are expected (the soak writes no garbage there). */
    long unreadableEvents() {
        return unreadableEvents.get();
    }

    /** Waits until everything on both topics now is read; false when {@code timeout} passed first. */
    boolean awaitCurrentEnd(Duration timeout) throws InterruptedException {
        return view.awaitCurrentEnd(timeout);
    }

    @Override
    public void close() {
        view.close();
    }
}
