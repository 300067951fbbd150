package dev.fmnist.inference.live;

import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Counts a task's predictions per version into a {@link PredictionTally}, and every {@code interval}
 * (wall clock) sends each version's tally on, keyed by its statistics' key, and starts again. Every
 * prediction used to cross the repartition topic to its version's task on its own; now a version's
 * predictions of one task and interval cross it as one record. The tallies sit in a cached,
 * changelogged store, so a restart neither loses nor (beyond Kafka Streams' at-least-once) repeats
 * them: a tally sent is deleted in the same commit that records the predictions' offsets.
 */
final class TallyPredictions implements Processor<String, PredictionRecord, String, LiveEvent> {

    private final String storeName;
    private final Duration interval;
    private ProcessorContext<String, LiveEvent> context;
    private KeyValueStore<String, PredictionTally> tallies;

    TallyPredictions(String storeName, Duration interval) {
        this.storeName = storeName;
        this.interval = interval;
    }

    /** The store a {@link TallyPredictions} of this name needs: in memory (a few versions), cached, changelogged. */
    static StoreBuilder<KeyValueStore<String, PredictionTally>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), PredictionTally.SERDE)
                .withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, LiveEvent> context) {
        this.context = context;
        this.tallies = context.getStateStore(storeName);
        context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::send);
    }

    @Override
    public void process(Record<String, PredictionRecord> record) {
        PredictionRecord p = record.value();
        String key = LiveStats.key(p.model(), p.version());
        PredictionTally tally = tallies.get(key);
        tallies.put(key, tally == null ? PredictionTally.of(p) : tally.plus(p));
    }

    /** Sends every tally, stamped {@code now} (the punctuation's wall clock), and deletes it. */
    private void send(long now) {
        List<KeyValue<String, PredictionTally>> due = new ArrayList<>();
        try (KeyValueIterator<String, PredictionTally> all = tallies.all()) {
            all.forEachRemaining(due::add);
        }
        for (KeyValue<String, PredictionTally> entry : due) {
            context.forward(new Record<>(entry.key, LiveEvent.tallied(entry.value), now));
            tallies.delete(entry.key);
        }
    }
}
