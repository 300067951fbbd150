package dev.fmnist.inference.live;

import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.BiFunction;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.JoinWindows;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.StreamJoined;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The live-accuracy stream processor: the predictions joined with their feedback labels, and both
 * counted per model version into {@link LiveStats} on the live-accuracy topic, which every replica
 * reads back into a global store ({@link #VIEW_STORE}).
 *
 * <pre>
 * predictions --parse--first seen (id, version)--+--tally per version (1 s)-------------+
 *                                                 \                                      \
 *                                                  join (by prediction id, window) ------+-- by model/version -- aggregate -- live-accuracy
 * feedback ----parse--first seen (id)-------------/                                                (global store) &lt;--'
 * </pre>
 *
 * <p>Predictions are many and labels few: a task tallies each version's predictions and sends one
 * tally a second across the repartition topic, while each labelled outcome crosses it on its own.
 *
 * <p>Records on predictions and feedback are hostile input: one their parser refuses is dropped and
 * reported as {@code invalid}; a repeat of a prediction (same id and version) or a second label for a
 * prediction is dropped and reported as {@code repeat}: the first label given counts, once. A record
 * stamped in the future is taken at the processor's clock, so one forged timestamp cannot make every
 * honest record after it too late for the join.
 */
public final class LiveAccuracyTopology {

    /** The global store of the live-accuracy topic: key {@code model/version}, value its LiveStats JSON. */
    public static final String VIEW_STORE = "live-accuracy-view";
    /** Why a record on an input topic was not counted (the {@code reason} tag: a bounded set). */
    public static final String INVALID = "invalid";
    public static final String REPEAT = "repeat";
    /**
     * How late (by record time) a prediction or label may arrive after newer ones of its partition and
     * still be joined: replicas' clocks and their producers' batching differ by far less.
     */
    static final Duration GRACE = Duration.ofMinutes(5);
    /** How long a task tallies a version's predictions before sending the tally on: the commit interval. */
    static final Duration TALLY_INTERVAL = Duration.ofSeconds(1);
    /** How far ahead of the processor's clock a record's time may be before it is taken as now. */
    static final Duration FUTURE_TOLERANCE = Duration.ofMinutes(1);

    static final String STATS_STORE = "live-stats";
    static final String PREDICTIONS_SEEN = "live-predictions-seen";
    static final String FEEDBACK_SEEN = "live-feedback-seen";
    static final String TALLIES = "live-prediction-tallies";

    static final Serde<PredictionRecord> PREDICTION_SERDE =
            KeyedJsonSerde.of(PredictionRecord::predictionId, PredictionRecord::toJson, PredictionRecord::parse);
    static final Serde<FeedbackRecord> FEEDBACK_SERDE =
            KeyedJsonSerde.of(FeedbackRecord::predictionId, FeedbackRecord::toJson, FeedbackRecord::parse);

    /** Where refused records are reported: the input topic's suffix and {@link #INVALID} or {@link #REPEAT}. */
    public interface Refusals {
        void refused(String topic, String reason, String detail);
    }

    private LiveAccuracyTopology() {}

    /**
     * The topology on the topics under {@code prefix}: a label counts when it comes within
     * {@code joinWindow} of its prediction, before or after it.
     */
    public static Topology build(String prefix, Duration joinWindow, Clock clock, Refusals refusals) {
        return build(prefix, joinWindow, clock, refusals, TALLY_INTERVAL);
    }

    /** As {@link #build(String, Duration, Clock, Refusals)}, predictions tallied for {@code tallyInterval} (wall clock). */
    static Topology build(String prefix, Duration joinWindow, Clock clock, Refusals refusals, Duration tallyInterval) {
        if (joinWindow.isNegative() || joinWindow.isZero()) {
            throw new IllegalArgumentException("fmnist.live.join-window: must be positive, got " + joinWindow);
        }
        // a repeat is recognised as long as the first could still be joined: a label up to a window before
        // its prediction, a second label up to a window after it, and the grace
        Duration remembered = joinWindow.multipliedBy(2).plus(GRACE);
        TimestampExtractor notFuture = new NotInTheFuture(clock);
        StreamsBuilder builder = new StreamsBuilder();
        builder.addStateStore(FirstSeen.store(PREDICTIONS_SEEN, remembered));
        builder.addStateStore(FirstSeen.store(FEEDBACK_SEEN, remembered));

        String predictionsTopic = Topic.PREDICTIONS.name(prefix);
        KStream<String, PredictionRecord> predictions = builder
                .stream(predictionsTopic, Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withTimestampExtractor(notFuture).withName("predictions-in"))
                // captured pixels are personal data the counts never use: dropped before any store, join
                // window or changelog topic could keep them
                .flatMapValues(parsing(Topic.PREDICTIONS.suffix(),
                        (key, json) -> PredictionRecord.parse(key, json).withoutPixels(), refusals),
                        Named.as("predictions-parsed"))
                .processValues(() -> new FirstSeen<PredictionRecord>(PREDICTIONS_SEEN, remembered,
                        (key, p) -> key + "/" + p.version(),
                        () -> refusals.refused(Topic.PREDICTIONS.suffix(), REPEAT, "a prediction already counted")),
                        Named.as("predictions-first-seen"), PREDICTIONS_SEEN);

        KStream<String, FeedbackRecord> feedback = builder
                .stream(Topic.FEEDBACK.name(prefix), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withTimestampExtractor(notFuture).withName("feedback-in"))
                .flatMapValues(parsing(Topic.FEEDBACK.suffix(), FeedbackRecord::parse, refusals),
                        Named.as("feedback-parsed"))
                .processValues(() -> new FirstSeen<FeedbackRecord>(FEEDBACK_SEEN, remembered, (key, f) -> key,
                        () -> refusals.refused(Topic.FEEDBACK.suffix(), REPEAT, "a prediction already labelled")),
                        Named.as("feedback-first-seen"), FEEDBACK_SEEN);

        // the same key (the prediction id) on topics of the same partition count: joined without repartitioning
        KStream<String, LiveEvent> outcomes = predictions.join(feedback, LiveEvent::labelled,
                JoinWindows.ofTimeDifferenceAndGrace(joinWindow, GRACE),
                StreamJoined.with(Serdes.String(), PREDICTION_SERDE, FEEDBACK_SERDE).withName("live-outcomes")
                        .withStoreName("live-outcomes"));
        // each version's predictions of a task over a commit interval cross the repartition topic as one tally
        builder.addStateStore(TallyPredictions.store(TALLIES));
        KStream<String, LiveEvent> predicted = predictions.process(() -> new TallyPredictions(TALLIES, tallyInterval, refusals),
                Named.as("predictions-tallied"), TALLIES);

        String liveTopic = Topic.LIVE_ACCURACY.name(prefix);
        predicted.merge(outcomes, Named.as("events"))
                .selectKey((id, event) -> event.statsKey(), Named.as("by-version"))
                .groupByKey(Grouped.with("live-stats-by-version", Serdes.String(), LiveEvent.SERDE))
                .aggregate(() -> null, (key, event, stats) -> event.applyTo(stats), Named.as("live-stats"),
                        Materialized.<String, LiveStats, KeyValueStore<Bytes, byte[]>>as(STATS_STORE)
                                .withKeySerde(Serdes.String()).withValueSerde(LiveStatsStoreSerde.SERDE))
                .toStream(Named.as("live-stats-changes"))
                .filter((key, stats) -> stats != null, Named.as("live-stats-present"))
                .mapValues(LiveStats::toJson, Named.as("live-stats-json"))
                .to(liveTopic, Produced.with(Serdes.String(), Serdes.ByteArray()).withName("live-accuracy-out"));

        // every replica's own copy of every version's statistics, whichever replica counted them
        builder.globalTable(liveTopic, Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withTimestampExtractor(notFuture).withName("live-accuracy-in"),
                Materialized.<String, byte[]>as(Stores.inMemoryKeyValueStore(VIEW_STORE))
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()));
        return builder.build();
    }

    private static <T> org.apache.kafka.streams.kstream.ValueMapperWithKey<String, byte[], Iterable<T>> parsing(
            String topic, BiFunction<String, byte[], T> parse, Refusals refusals) {
        return (key, value) -> {
            if (key == null || value == null) {
                refusals.refused(topic, INVALID, key == null ? "no key" : "no value");
                return List.of();
            }
            try {
                return List.of(parse.apply(key, value));
            } catch (IllegalArgumentException e) {
                refusals.refused(topic, INVALID, e.getMessage());
                return List.of();
            }
        };
    }

    /** The record's own time, unless it is ahead of the clock (or negative): then the clock's. */
    private record NotInTheFuture(Clock clock) implements TimestampExtractor {
        @Override
        public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
            long now = clock.millis();
            long at = record.timestamp();
            return at < 0 || at > now + FUTURE_TOLERANCE.toMillis() ? now : at;
        }
    }
}
