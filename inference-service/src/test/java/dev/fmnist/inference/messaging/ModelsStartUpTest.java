package dev.fmnist.inference.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.inference.serving.TestReplica;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A replica's start-up on the real broker, with artefacts already on the models topic (fresh topics per
 * test): the model-control topic read, the models topic indexed by its headers, then one fetch and one
 * load per served model. The replica is the real serving beans ({@link TestReplica}) with the real
 * control topic, indexer and fetcher; the fetcher is counted, so a test sees which records were read.
 */
@NeedsBroker
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModelsStartUpTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String MODEL = "mlp";

    private static ModelArtefact a;
    private static ModelArtefact b;
    private static ModelArtefact c;
    private static ModelArtefact d;

    private final List<Long> fetched = new CopyOnWriteArrayList<>();
    private String prefix;
    private TestReplica replica;
    private ModelControlTopic control;
    private ModelsStartUp startUp;

    @BeforeAll
    static void train() {
        a = TestReplica.withAccuracy(TestReplica.train(31, "start-a"), 0.9);
        b = TestReplica.withAccuracy(TestReplica.train(32, "start-b"), 0.9);
        c = TestReplica.withAccuracy(TestReplica.train(33, "start-c"), 0.9);
        d = TestReplica.withAccuracy(TestReplica.train(34, "start-d"), 0.9);
        assertThat(List.of(version(a), version(b), version(c), version(d))).doesNotHaveDuplicates();
    }

    @AfterEach
    void stop() {
        if (startUp != null) {
            startUp.stop(null);
        }
        if (control != null) {
            control.stop(null);
        }
        if (replica != null) {
            replica.close();
        }
    }

    @Test
    void loadsOnlyTheNewestOfManyArtefactsAndIsNeverReadyWithAnOlderOne() throws Exception {
        prefix = TestTopics.fresh("startup");
        publishAsTheTrainerDoes(a);
        publishWithoutHeaders(MODEL, ArtefactCodec.encode(b)); // written before the trainer wrote the headers
        publishAsTheTrainerDoes(TestReplica.withAccuracy(c, 0.95));
        publish("better", ArtefactCodec.encode(d), Headers.forArtefact(d.manifest())); // a model not served here
        publish(MODEL, "garbage".getBytes(StandardCharsets.UTF_8), Map.of(Headers.PARAMETERS_SHA256, "0".repeat(64),
                Headers.VERSION, "not-the-sha", Headers.TEST_ACCURACY, "0.99"));
        long newest = publishAsTheTrainerDoes(d);

        start(0);

        assertThat(replica.live(MODEL)).isEqualTo(version(d));
        assertThat(replica.readyWith).as("ready only ever with the newest").containsOnly(version(d)).isNotEmpty();
        assertThat(replica.loads(MODEL, "loaded")).as("one load").isEqualTo(1);
        assertThat(fetched).as("the only record fetched").containsExactly(newest);
        assertThat(replica.indexed(MODEL)).as("indexed from headers, and from the value where there were none")
                .containsExactly(version(d), version(c), version(b), version(a));
        assertThat(replica.refusals(MODEL)).singleElement().asString().startsWith("record at offset 4: header "
                + Headers.VERSION + ": 'not-the-sha' is not the version of");
        assertThat(replica.loads(MODEL, "refused")).isEqualTo(1);
    }

    @Test
    void aCorruptNewestIsRefusedCountedAndTheNextOlderServes() throws Exception {
        prefix = TestTopics.fresh("startup");
        publishAsTheTrainerDoes(a);
        long good = publishAsTheTrainerDoes(b);
        byte[] whole = ArtefactCodec.encode(c);
        long truncated = publish(MODEL, Arrays.copyOf(whole, whole.length / 2), Headers.forArtefact(c.manifest()));
        long lying = publish(MODEL, ArtefactCodec.encode(a), Headers.forArtefact(d.manifest())); // d's headers, a's body

        start(0);

        assertThat(replica.live(MODEL)).isEqualTo(version(b));
        assertThat(replica.readyWith).containsOnly(version(b)).isNotEmpty();
        assertThat(fetched).as("newest first, until one serves").containsExactly(lying, truncated, good);
        assertThat(replica.loads(MODEL, "refused")).isEqualTo(2);
        assertThat(replica.loads(MODEL, "loaded")).isEqualTo(1);
        assertThat(replica.refusals(MODEL)).satisfiesExactly(
                lie -> assertThat(lie).isEqualTo("cannot be read again from the models topic: offset " + lying
                        + ": parametersSha256: the record says " + d.manifest().parametersSha256() + ", the manifest "
                        + a.manifest().parametersSha256()),
                cut -> assertThat(cut).startsWith("cannot be read again from the models topic: not a readable "
                        + "artefact zip"));
    }

    @Test
    void aPinToAnOlderVersionIsHonouredAtStart() throws Exception {
        prefix = TestTopics.fresh("startup");
        long pinned = publishAsTheTrainerDoes(a);
        publishAsTheTrainerDoes(b);
        publishAsTheTrainerDoes(c);
        try (KafkaProducer<String, byte[]> producer = producer()) {
            ModelControl pin = ModelControl.pin(MODEL, version(a), "rollback before the restart");
            producer.send(new ProducerRecord<>(Topic.MODEL_CONTROL.name(prefix), MODEL, pin.toJson())).get();
        }

        start(0);

        assertThat(replica.live(MODEL)).isEqualTo(version(a));
        assertThat(replica.readyWith).as("never the newest in between").containsOnly(version(a)).isNotEmpty();
        assertThat(fetched).containsExactly(pinned);
        assertThat(replica.loads(MODEL, "loaded")).isEqualTo(1);
    }

    @Test
    void artefactsBelowTheFloorAreJudgedFromTheirHeadersAndNotFetched() throws Exception {
        prefix = TestTopics.fresh("startup");
        long good = publishAsTheTrainerDoes(a);
        publishAsTheTrainerDoes(TestReplica.withAccuracy(b, 0.5));

        start(0.8);

        assertThat(replica.live(MODEL)).isEqualTo(version(a));
        assertThat(fetched).containsExactly(good);
        assertThat(replica.loads(MODEL, "refused")).isZero();
    }

    @Test
    void anEmptyTopicStartsUpAtOffsetZeroAndNotReady() throws Exception {
        prefix = TestTopics.fresh("startup");

        long from = start(0);

        assertThat(from).isZero();
        assertThat(replica.repository.startedUp()).isTrue();
        assertThat(replica.repository.ready()).isFalse();
        assertThat(replica.readyWith).isEmpty();
    }

    /** Starts a replica on {@code prefix}'s topics as the application does; returns where it follows from. */
    private long start(double minTestAccuracy) throws Exception {
        Map<String, Object> kafka = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        var config = TestReplica.config(List.of(MODEL), minTestAccuracy, prefix);
        ArtefactFetcher fetcher = new ArtefactFetcher() {
            @Override
            public byte[] fetch(long offset) {
                fetched.add(offset);
                return super.fetch(offset);
            }
        };
        fetcher.kafkaConfig = kafka;
        fetcher.config = config;
        control = new ModelControlTopic();
        control.kafkaConfig = kafka;
        control.config = config;
        replica = TestReplica.of(List.of(MODEL), minTestAccuracy, prefix, fetcher, control);
        control.repository = replica.repository;
        control.metrics = new ServingMetrics(replica.registry);
        control.open();
        ModelsTopicIndexer indexer = new ModelsTopicIndexer();
        indexer.kafkaConfig = kafka;
        indexer.config = config;
        indexer.repository = replica.repository;
        startUp = new ModelsStartUp();
        startUp.control = control;
        startUp.indexer = indexer;
        startUp.repository = replica.repository;
        control.start(null);
        startUp.start(null);
        return startUp.awaitFollowFrom(WAIT).orElseThrow(() -> new AssertionError("start-up not done within " + WAIT));
    }

    private static String version(ModelArtefact artefact) {
        return artefact.manifest().version();
    }

    private long publishAsTheTrainerDoes(ModelArtefact artefact) throws Exception {
        return publish(MODEL, ArtefactCodec.encode(artefact), Headers.forArtefact(artefact.manifest()));
    }

    private long publishWithoutHeaders(String key, byte[] value) throws Exception {
        return publish(key, value, Map.of());
    }

    private long publish(String key, byte[] value, Map<String, String> headers)
            throws InterruptedException, ExecutionException {
        RecordHeaders recordHeaders = new RecordHeaders();
        headers.forEach((name, text) -> recordHeaders.add(name, text.getBytes(StandardCharsets.UTF_8)));
        try (KafkaProducer<String, byte[]> producer = producer()) {
            return producer.send(new ProducerRecord<>(Topic.MODELS.name(prefix), null, key, value, recordHeaders)).get()
                    .offset();
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap(),
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 20 * 1024 * 1024), new StringSerializer(),
                new ByteArraySerializer());
    }
}
