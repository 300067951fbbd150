package dev.fmnist.inference.live;

import java.time.Duration;
import java.util.function.BiFunction;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Passes a record on only the first time its identity is seen within {@code retention} (by record
 * time); a repeat is dropped and reported. The seen identities sit in a window store, so they expire
 * with the retention and the store stays bounded by the traffic of one retention period.
 */
final class FirstSeen<V> implements FixedKeyProcessor<String, V, V> {

    /** Windows of one millisecond: an identity is remembered at the time it was seen. */
    private static final Duration INSTANT = Duration.ofMillis(1);

    private final String storeName;
    private final Duration retention;
    private final BiFunction<String, V, String> identity;
    private final Runnable onRepeat;
    private FixedKeyProcessorContext<String, V> context;
    private WindowStore<String, Long> seen;

    FirstSeen(String storeName, Duration retention, BiFunction<String, V, String> identity, Runnable onRepeat) {
        this.storeName = storeName;
        this.retention = retention;
        this.identity = identity;
        this.onRepeat = onRepeat;
    }

    /** The store a {@link FirstSeen} of this name and retention needs, persistent (it outlives a restart). */
    static StoreBuilder<WindowStore<String, Long>> store(String name, Duration retention) {
        return Stores.windowStoreBuilder(Stores.persistentWindowStore(name, retention, INSTANT, false),
                Serdes.String(), Serdes.Long());
    }

    @Override
    public void init(FixedKeyProcessorContext<String, V> context) {
        this.context = context;
        this.seen = context.getStateStore(storeName);
    }

    @Override
    public void process(FixedKeyRecord<String, V> record) {
        String id = identity.apply(record.key(), record.value());
        long at = record.timestamp();
        try (WindowStoreIterator<Long> earlier = seen.fetch(id, at - retention.toMillis(), at + retention.toMillis())) {
            if (earlier.hasNext()) {
                onRepeat.run();
                return;
            }
        }
        seen.put(id, at, at);
        context.forward(record);
    }
}
