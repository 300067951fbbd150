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
 * them: a tally sent is deleted in the same commit that records the predictions' offsets. The store
 * keeps each tally's bytes and they are read one by one: a value that is not a tally (a forged
 * changelog record restored at start) is reported as {@code invalid} and deleted, the others go on.
 */
final class TallyPredictions implements Processor<String, PredictionRecord, String, LiveEvent> {

    private final String storeName;
    private final Duration interval;
    private final LiveAccuracyTopology.Refusals refusals;
    private ProcessorContext<String, LiveEvent> context;
    private KeyValueStore<String, byte[]> tallies;

    TallyPredictions(String storeName, Duration interval, LiveAccuracyTopology.Refusals refusals) {
        this.storeName = storeName;
        this.interval = interval;
        this.refusals = refusals;
    }

    /** The store a {@link TallyPredictions} of this name needs: in memory (a few versions), cached, changelogged. */
    static StoreBuilder<KeyValueStore<String, byte[]>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(), Serdes.ByteArray())
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
        PredictionTally tally = read(key, tallies.get(key));
        tallies.put(key, PredictionTally.SERDE.serializer().serialize(storeName,
                tally == null ? PredictionTally.of(p) : tally.plus(p)));
    }

    /** The tally {@code bytes} hold, or null when there are none or they are not a tally (reported, then overwritten). */
    private PredictionTally read(String key, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            PredictionTally tally = PredictionTally.SERDE.deserializer().deserialize(storeName, bytes);
            if (!LiveStats.key(tally.model(), tally.version()).equals(key)) {
                throw new IllegalArgumentException("version: a tally of " + LiveStats.key(tally.model(), tally.version())
                        + " kept under " + key);
            }
            return tally;
        } catch (IllegalArgumentException e) {
            // named as its changelog topic: an internal topic of the application (fmnist_live_records_refused_total's tag)
            refusals.refused(context.applicationId() + "-" + storeName + "-changelog", LiveAccuracyTopology.INVALID,
                    "tally store, under '" + key + "': " + e.getMessage());
            return null;
        }
    }

    /** Sends every tally, stamped {@code now} (the punctuation's wall clock), and deletes it. */
    private void send(long now) {
        List<KeyValue<String, byte[]>> due = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = tallies.all()) {
            all.forEachRemaining(due::add);
        }
        for (KeyValue<String, byte[]> entry : due) {
            PredictionTally tally = read(entry.key, entry.value);
            if (tally != null) {
                context.forward(new Record<>(entry.key, LiveEvent.tallied(tally), now));
            }
            tallies.delete(entry.key);
        }
    }
}
