package dev.fmnist.inference.live;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live-accuracy topology on Kafka Streams' test driver: what a version's statistics count from the
 * predictions and labels piped in, by record time, and what they refuse.
 */
class LiveAccuracyTopologyTest {

    private static final String PREFIX = "live-test";
    private static final String MODEL = "mlp";
    private static final String V1 = "aaaaaaaaaaa1";
    private static final String V2 = "bbbbbbbbbbb2";
    private static final Duration WINDOW = Duration.ofHours(1);
    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
    /** The processor's clock: well after every record piped here, so none is taken as "in the future". */
    private static final Clock CLOCK = Clock.fixed(T0.plus(Duration.ofDays(3)), ZoneOffset.UTC);

    @TempDir
    Path stateDir;

    private final List<String> refusals = Collections.synchronizedList(new ArrayList<>());
    private TopologyTestDriver driver;
    private TestInputTopic<String, byte[]> predictions;
    private TestInputTopic<String, byte[]> feedback;
    private TestOutputTopic<String, byte[]> live;
    private int ids;

    @BeforeEach
    void start() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, LiveAccuracyStreams.applicationId(PREFIX));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // every change reaches the topic at once, not at the next commit
        props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
        LiveAccuracyTopology.Refusals recorder = (topic, reason, detail) -> refusals.add(topic + ":" + reason);
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RefusingHandlers.Deserialization.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, RefusingHandlers.Processing.class);
        props.put(RefusingHandlers.REFUSALS, recorder);
        props.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
        driver = new TopologyTestDriver(LiveAccuracyTopology.build(PREFIX, WINDOW, CLOCK, recorder), props);
        predictions = driver.createInputTopic(Topic.PREDICTIONS.name(PREFIX), new StringSerializer(),
                new ByteArraySerializer());
        feedback = driver.createInputTopic(Topic.FEEDBACK.name(PREFIX), new StringSerializer(), new ByteArraySerializer());
        live = driver.createOutputTopic(Topic.LIVE_ACCURACY.name(PREFIX), new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    private String nextId() {
        return String.format("%032x", ++ids);
    }

    private static PredictionRecord prediction(String id, String version, PredictionRole role, int predicted,
            Instant at, String servedVersion, Integer servedClass) {
        float[] probabilities = new float[10];
        probabilities[predicted] = 1f;
        return new PredictionRecord(id, id, 0, MODEL, version, role, predicted, probabilities, "classify",
                RequestSource.RAW, 250, at, servedVersion, servedClass, null);
    }

    private void served(String id, String version, int predicted, Instant at) {
        PredictionRecord p = prediction(id, version, PredictionRole.SERVED, predicted, at, null, null);
        predictions.pipeInput(id, p.toJson(), at);
    }

    private void shadow(String id, String version, int predicted, String servedVersion, int servedClass, Instant at) {
        PredictionRecord p = prediction(id, version, PredictionRole.SHADOW, predicted, at, servedVersion, servedClass);
        predictions.pipeInput(id, p.toJson(), at);
    }

    private void label(String id, int label, Instant at) {
        feedback.pipeInput(id, new FeedbackRecord(id, label, FeedbackRecord.CLIENT, null, at).toJson(), at);
    }

    /** The newest statistics of each version on the live-accuracy topic, read through the contract's parser. */
    private Map<String, LiveStats> stats() {
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // the predictions' tallies are sent every second
        Map<String, LiveStats> latest = new HashMap<>();
        live.readKeyValuesToMap().forEach((key, json) -> latest.put(key, LiveStats.parse(key, json)));
        return latest;
    }

    private LiveStats statsOf(String version) {
        LiveStats stats = stats().get(LiveStats.key(MODEL, version));
        assertThat(stats).as("statistics of %s on the live-accuracy topic", version).isNotNull();
        return stats;
    }

    @Test
    void aLabelInsideTheWindowCountsItsOutcomeAndConfusion() {
        String right = nextId();
        String wrong = nextId();
        served(right, V1, 3, T0);
        served(wrong, V1, 3, T0.plusSeconds(1));
        label(right, 3, T0.plus(Duration.ofMinutes(30)));
        label(wrong, 6, T0.plus(Duration.ofMinutes(59)));

        LiveStats stats = statsOf(V1);
        assertThat(stats.predictions()).isEqualTo(2);
        assertThat(stats.predicted()[3]).isEqualTo(2);
        assertThat(stats.labelled()).isEqualTo(2);
        assertThat(stats.correct()).isEqualTo(1);
        assertThat(stats.confusion()[3][3]).isEqualTo(1);
        assertThat(stats.confusion()[6][3]).as("[label][predicted]").isEqualTo(1);
        assertThat(stats.recent()).isEqualTo("10");
        assertThat(stats.accuracy()).isEqualTo(0.5);
        assertThat(refusals).isEmpty();
    }

    @Test
    void aLabelOutsideTheWindowIsNotJoined() {
        String id = nextId();
        served(id, V1, 2, T0);
        label(id, 2, T0.plus(WINDOW).plusSeconds(1));

        LiveStats stats = statsOf(V1);
        assertThat(stats.predictions()).isEqualTo(1);
        assertThat(stats.labelled()).isZero();
    }

    @Test
    void aLabelThatArrivesBeforeItsPredictionCounts() {
        String id = nextId();
        label(id, 4, T0);
        served(id, V1, 4, T0.plus(Duration.ofMinutes(10)));

        LiveStats stats = statsOf(V1);
        assertThat(stats.labelled()).isEqualTo(1);
        assertThat(stats.correct()).isEqualTo(1);
    }

    @Test
    void theFirstLabelOfAPredictionCountsOnceAndARepeatedPredictionOnce() {
        String id = nextId();
        served(id, V1, 5, T0);
        served(id, V1, 5, T0.plusSeconds(1));
        label(id, 5, T0.plusSeconds(2));
        label(id, 7, T0.plusSeconds(3));

        LiveStats stats = statsOf(V1);
        assertThat(stats.predictions()).isEqualTo(1);
        assertThat(stats.labelled()).isEqualTo(1);
        assertThat(stats.correct()).as("the first label given counts").isEqualTo(1);
        assertThat(refusals).containsExactly("predictions:repeat", "feedback:repeat");
    }

    @Test
    void shadowAnswersAreComparedWithTheServedOnesAndBothVersionsGetTheLabel() {
        String agreed = nextId();
        String disagreed = nextId();
        served(agreed, V1, 1, T0);
        shadow(agreed, V2, 1, V1, 1, T0.plusMillis(5));
        served(disagreed, V1, 1, T0.plusSeconds(1));
        shadow(disagreed, V2, 8, V1, 1, T0.plusSeconds(1).plusMillis(5));
        label(disagreed, 8, T0.plusSeconds(10));

        Map<String, LiveStats> all = stats();
        LiveStats champion = all.get(LiveStats.key(MODEL, V1));
        LiveStats challenger = all.get(LiveStats.key(MODEL, V2));
        assertThat(challenger.shadowPredictions()).isEqualTo(2);
        assertThat(challenger.predictions()).isZero();
        assertThat(challenger.comparedWith()).isEqualTo(V1);
        assertThat(challenger.compared()).isEqualTo(2);
        assertThat(challenger.agreed()).isEqualTo(1);
        assertThat(challenger.agreement()).isEqualTo(0.5);
        assertThat(challenger.labelled()).isEqualTo(1);
        assertThat(challenger.correct()).as("the challenger was right where the champion was not").isEqualTo(1);
        assertThat(champion.predictions()).isEqualTo(2);
        assertThat(champion.labelled()).isEqualTo(1);
        assertThat(champion.correct()).isZero();
        assertThat(champion.comparedWith()).isNull();
    }

    @Test
    void theRecentOutcomesKeepTheLastThousand() {
        int outcomes = LiveStats.RECENT_MAX + 5;
        for (int i = 0; i < outcomes; i++) {
            String id = nextId();
            Instant at = T0.plusMillis(i * 10L);
            served(id, V1, 0, at);
            // the first five wrong, the rest right: once they fall out of the window, recent is all right
            label(id, i < 5 ? 9 : 0, at.plusMillis(1));
        }
        LiveStats stats = statsOf(V1);
        assertThat(stats.labelled()).isEqualTo(outcomes);
        assertThat(stats.correct()).isEqualTo(outcomes - 5);
        assertThat(stats.recent()).hasSize(LiveStats.RECENT_MAX).doesNotContain("0");
        assertThat(stats.recentAccuracy(200)).isEqualTo(1.0);
        assertThat(stats.accuracy()).isLessThan(1.0);
    }

    @Test
    void garbageForgeriesAndRecordsWithoutKeyAreSkippedAndCountedWithoutStoppingTheProcessor() {
        String id = nextId();
        String other = nextId();
        predictions.pipeInput(id, "{not json".getBytes(StandardCharsets.UTF_8), T0);
        // a record under another prediction's key: the parser refuses the disagreement
        predictions.pipeInput(other, prediction(id, V1, PredictionRole.SERVED, 2, T0, null, null).toJson(), T0);
        predictions.pipeInput((String) null, prediction(id, V1, PredictionRole.SERVED, 2, T0, null, null).toJson(), T0);
        feedback.pipeInput(id, "{\"predictionId\":\"x\"}".getBytes(StandardCharsets.UTF_8), T0);
        feedback.pipeInput(id, new byte[3 * 1024 * 1024], T0);

        served(id, V1, 2, T0.plusSeconds(1));
        label(id, 2, T0.plusSeconds(2));

        assertThat(refusals).containsExactly("predictions:invalid", "predictions:invalid", "predictions:invalid",
                "feedback:invalid", "feedback:invalid");
        LiveStats stats = statsOf(V1);
        assertThat(stats.predictions()).isEqualTo(1);
        assertThat(stats.labelled()).isEqualTo(1);
    }

    @Test
    void aRecordStampedInTheFutureIsTakenAtTheClockSoHonestOnesAreStillJoined() {
        String forged = nextId();
        served(forged, V1, 0, CLOCK.instant().plus(Duration.ofDays(365)));
        String id = nextId();
        Instant now = CLOCK.instant();
        served(id, V1, 6, now.minusSeconds(30));
        label(id, 6, now.minusSeconds(20));

        LiveStats stats = statsOf(V1);
        assertThat(stats.predictions()).isEqualTo(2);
        assertThat(stats.labelled()).as("the forged time did not push the join's stream time a year ahead").isEqualTo(1);
    }

    @Test
    void everyVersionsStatisticsReachTheGlobalStoreTheViewReads() {
        served(nextId(), V1, 3, T0);
        served(nextId(), V2, 4, T0.plusSeconds(1));
        driver.advanceWallClockTime(Duration.ofSeconds(2)); // the tallies are sent
        KeyValueStore<String, ValueAndTimestamp<byte[]>> view = driver.getTimestampedKeyValueStore(LiveAccuracyTopology.VIEW_STORE);
        assertThat(view.get(LiveStats.key(MODEL, V1))).isNotNull();
        assertThat(LiveStats.parse(LiveStats.key(MODEL, V2), view.get(LiveStats.key(MODEL, V2)).value()).predicted()[4])
                .isEqualTo(1);
    }

    @Test
    void aTaskTalliesEachVersionsPredictionsAndSendsThemOnOnceAnInterval() {
        for (int i = 0; i < 50; i++) {
            served(nextId(), V1, i % 10, T0.plusMillis(i));
        }
        String id = nextId();
        served(id, V1, 2, T0.plusSeconds(1));
        shadow(id, V2, 2, V1, 2, T0.plusSeconds(1));
        assertThat(live.readKeyValuesToList()).as("nothing sent before the interval").isEmpty();

        driver.advanceWallClockTime(Duration.ofSeconds(1));

        List<KeyValue<String, byte[]>> sent = live.readKeyValuesToList();
        assertThat(sent).as("one record per version for 52 predictions").hasSize(2);
        Map<String, LiveStats> latest = new HashMap<>();
        sent.forEach(kv -> latest.put(kv.key, LiveStats.parse(kv.key, kv.value)));
        LiveStats v1 = latest.get(LiveStats.key(MODEL, V1));
        assertThat(v1.predictions()).isEqualTo(51);
        assertThat(v1.predicted()).containsExactly(5, 5, 6, 5, 5, 5, 5, 5, 5, 5);
        assertThat(v1.updatedAt()).isEqualTo(T0.plusSeconds(1));
        LiveStats v2 = latest.get(LiveStats.key(MODEL, V2));
        assertThat(v2.shadowPredictions()).isEqualTo(1);
        assertThat(v2.compared()).isEqualTo(1);
        assertThat(v2.agreed()).isEqualTo(1);

        served(nextId(), V1, 9, T0.plusSeconds(2));
        assertThat(statsOf(V1).predictions()).as("the next interval's tally adds to them").isEqualTo(52);
    }

    @Test
    void aTallyStoreValueThatIsNotATallyIsRefusedAndTheOtherVersionsTalliesGoOn() {
        KeyValueStore<String, byte[]> tallies = driver.getKeyValueStore(LiveAccuracyTopology.TALLIES);
        tallies.put(LiveStats.key(MODEL, V2), new byte[] {1, 0, 0, 7}); // as a forged changelog record restores it
        served(nextId(), V1, 4, T0);

        assertThat(statsOf(V1).predictions()).isEqualTo(1);
        assertThat(stats()).doesNotContainKey(LiveStats.key(MODEL, V2));
        assertThat(refusals).containsExactly("live-test-live-accuracy-live-prediction-tallies-changelog:invalid");
        assertThat(tallies.get(LiveStats.key(MODEL, V2))).as("deleted").isNull();
        served(nextId(), V2, 5, T0.plusSeconds(1));
        assertThat(statsOf(V2).predictions()).as("that version counts again").isEqualTo(1);
    }

    @Test
    void capturedPixelsNeverReachTheJoinStore() {
        String id = nextId();
        PredictionRecord p = prediction(id, V1, PredictionRole.SERVED, 3, T0, null, null);
        byte[] pixels = new byte[FashionMnist.PIXELS];
        pixels[7] = 42;
        PredictionRecord captured = new PredictionRecord(p.predictionId(), p.requestId(), p.index(), p.model(),
                p.version(), p.role(), p.classIndex(), p.probabilities(), p.api(), p.source(), p.latencyMicros(),
                p.at(), null, null, pixels);
        predictions.pipeInput(id, captured.toJson(), T0);

        ReadOnlyWindowStore<String, PredictionRecord> joinStore =
                driver.getWindowStore("live-outcomes-this-join-store");
        assertThat(joinStore).as("the join's prediction store").isNotNull();
        List<PredictionRecord> stored = new ArrayList<>();
        try (KeyValueIterator<Windowed<String>, PredictionRecord> all = joinStore.all()) {
            all.forEachRemaining((KeyValue<Windowed<String>, PredictionRecord> kv) -> stored.add(kv.value));
        }
        assertThat(stored).hasSize(1);
        assertThat(stored.get(0).pixels()).as("pixels kept by the join store").isNull();
        assertThat(stored.get(0).classIndex()).isEqualTo(3);
    }
}
