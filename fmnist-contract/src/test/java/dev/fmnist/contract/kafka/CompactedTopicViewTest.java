package dev.fmnist.contract.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The view against the broker {@code bin/test} started, on topics of each test's own. */
@NeedsBroker
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CompactedTopicViewTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Map<String, Object> CONNECTION = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
            TestTopics.bootstrap());

    private final List<AutoCloseable> opened = new ArrayList<>();
    private final List<String> handled = new CopyOnWriteArrayList<>();
    private String prefix;
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void freshTopics() {
        prefix = TestTopics.fresh("view");
        producer = new KafkaProducer<>(KafkaClients.producer(CONNECTION), new StringSerializer(), new ByteArraySerializer());
        opened.add(producer);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    @Test
    void readsWhatIsThereThenFollowsAndWaitsForWhatItWrote() throws Exception {
        String topic = Topic.MODEL_CONTROL.name(prefix);
        for (String key : List.of("a", "b", "c")) {
            send(topic, key);
        }
        List<String> atCatchUp = new CopyOnWriteArrayList<>();
        CompactedTopicView view = open(CompactedTopicView.builder(CONNECTION, List.of(topic)).name("view-follows")
                .writable(WAIT).build());
        view.start(new CompactedTopicView.RecordHandler() {
            @Override
            public void handle(ConsumerRecord<String, byte[]> record) {
                handled.add(record.key());
            }

            @Override
            public void caughtUp() {
                atCatchUp.addAll(handled);
            }
        });

        assertThat(view.awaitCaughtUp(WAIT)).isTrue();
        assertThat(atCatchUp).as("the handler had every record there at start, in order, when caught up")
                .containsExactly("a", "b", "c");

        RecordMetadata written = view.write("d", value("d"));
        assertThat(written.offset()).isEqualTo(3);
        assertThat(view.awaitApplied(written, WAIT)).isTrue();
        assertThat(handled).containsExactly("a", "b", "c", "d");
        assertThat(view.awaitOffset(new TopicPartition(topic, 0), written.offset() + 1, Duration.ofMillis(300)))
                .as("an offset not yet written is not applied").isFalse();
    }

    @Test
    void readsEveryPartitionAndCatchesUpWithTheEndAsItIsNow() throws Exception {
        String topic = Topic.EXPERIMENT_STATE.name(prefix);
        List<String> before = IntStream.range(0, 40).mapToObj(i -> "before-" + i).toList();
        Set<Integer> partitions = new HashSet<>();
        for (String key : before) {
            partitions.add(send(topic, key).partition());
        }
        assertThat(partitions).as("the keys spread over several partitions").hasSizeGreaterThan(1);
        CompactedTopicView view = open(CompactedTopicView.builder(CONNECTION, List.of(topic)).name("view-partitions")
                .build());
        view.start(record -> handled.add(record.key()));

        assertThat(view.awaitCaughtUp(WAIT)).isTrue();
        assertThat(handled).containsExactlyInAnyOrderElementsOf(before);

        List<String> after = IntStream.range(0, 20).mapToObj(i -> "after-" + i).toList();
        for (String key : after) {
            send(topic, key);
        }
        assertThat(view.awaitCurrentEnd(WAIT)).isTrue();
        assertThat(handled).hasSize(60).containsAll(after);
    }

    @Test
    void aKeysPartitionIsTheOneTheProducerPicks() {
        CompactedTopicView view = open(CompactedTopicView.builder(CONNECTION, List.of(Topic.EXPERIMENT_STATE.name(prefix)))
                .writable(WAIT).build());
        Map<Integer, Integer> keysPerPartition = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            String key = "experiment-" + i;
            int predicted = view.partitionOf(key);
            assertThat(view.write(key, value(key)).partition()).as(key).isEqualTo(predicted);
            keysPerPartition.merge(predicted, 1, Integer::sum);
        }
        assertThat(keysPerPartition).as("not one partition for all").hasSizeGreaterThan(1);
        RecordMetadata beside = view.write(view.partitionOf("experiment-7"), "experiment-7#end", value("end"));
        assertThat(beside.partition()).isEqualTo(view.partitionOf("experiment-7"));
    }

    @Test
    void aRecordTheHandlerThrowsOnIsCountedAndReadingGoesOn() throws Exception {
        String topic = Topic.MODEL_CONTROL.name(prefix);
        CompactedTopicView view = open(CompactedTopicView.builder(CONNECTION, List.of(topic)).name("view-throws")
                .writable(WAIT).build());
        view.start(record -> {
            if (record.key().equals("bad")) {
                throw new IllegalArgumentException("not a control record");
            }
            handled.add(record.key());
        });
        assertThat(view.awaitCaughtUp(WAIT)).isTrue();

        view.write("a", value("a"));
        view.write("bad", value("bad"));
        RecordMetadata last = view.write("c", value("c"));

        assertThat(view.awaitApplied(last, WAIT)).isTrue();
        assertThat(handled).containsExactly("a", "c");
        assertThat(view.failedRecords()).isEqualTo(1);
    }

    @Test
    void closingWhileFollowingEndsThePollingThreadAndHandsNothingMore() throws Exception {
        String topic = Topic.MODEL_CONTROL.name(prefix);
        send(topic, "a");
        CompactedTopicView view = CompactedTopicView.builder(CONNECTION, List.of(topic)).name("view-closes").build();
        view.start(record -> handled.add(record.key()));
        assertThat(view.awaitCaughtUp(WAIT)).isTrue();

        long started = System.nanoTime();
        view.close();

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("view-closes"));
        send(topic, "b");
        assertThat(view.awaitCurrentEnd(Duration.ofSeconds(1))).as("nothing reads any more").isFalse();
        assertThat(handled).containsExactly("a");
    }

    @Test
    void runReadsOnTheCallersThreadUntilTheHandlerStopsIt() {
        String topic = Topic.MODEL_CONTROL.name(prefix);
        for (String key : List.of("a", "b", "c")) {
            send(topic, key);
        }
        try (CompactedTopicView view = CompactedTopicView.builder(CONNECTION, List.of(topic)).build()) {
            Thread caller = Thread.currentThread();
            view.run(new CompactedTopicView.RecordHandler() {
                @Override
                public void handle(ConsumerRecord<String, byte[]> record) {
                    assertThat(Thread.currentThread()).isSameAs(caller);
                    handled.add(record.key());
                }

                @Override
                public void caughtUp() {
                    view.stop();
                }
            });
        }
        assertThat(handled).containsExactly("a", "b", "c");

        try (CompactedTopicView view = CompactedTopicView.builder(CONNECTION, List.of(prefix + ".no-such-topic")).build()) {
            assertThatThrownBy(() -> view.run(record -> handled.add(record.key())))
                    .isInstanceOf(UnknownTopicOrPartitionException.class).hasMessageContaining(prefix + ".no-such-topic");
        }
    }

    @Test
    void runEndsWithWhatTheHandlerThrowsAndHandsNothingMore() {
        String topic = Topic.MODEL_CONTROL.name(prefix);
        for (String key : List.of("a", "bad", "c")) {
            send(topic, key);
        }
        IllegalArgumentException thrown = new IllegalArgumentException("not a control record");
        try (CompactedTopicView view = CompactedTopicView.builder(CONNECTION, List.of(topic)).name("run-throws").build()) {
            assertThatThrownBy(() -> view.run(record -> {
                if (record.key().equals("bad")) {
                    throw thrown;
                }
                handled.add(record.key());
            })).isSameAs(thrown);
            assertThat(handled).containsExactly("a");
            assertThat(view.failedRecords()).isEqualTo(1);
        }

        try (CompactedTopicView view = CompactedTopicView.builder(CONNECTION, List.of(topic)).name("run-throws").build()) {
            Exception checked = new Exception("cannot apply");
            assertThatThrownBy(() -> view.run(record -> {
                throw checked;
            })).isInstanceOf(IllegalStateException.class).hasCause(checked)
                    .hasMessageContaining(topic + "-0@0").hasMessageContaining("key 'a'");
        }

        try (CompactedTopicView view = CompactedTopicView.builder(CONNECTION, List.of(topic)).name("run-throws").build()) {
            IllegalStateException atCatchUp = new IllegalStateException("no history");
            assertThatThrownBy(() -> view.run(new CompactedTopicView.RecordHandler() {
                @Override
                public void handle(ConsumerRecord<String, byte[]> record) {}

                @Override
                public void caughtUp() {
                    throw atCatchUp;
                }
            })).isSameAs(atCatchUp);
        }
    }

    @Test
    void aBrokerOutOfReachIsToldWithinTheReachTimeoutNotTheLongerWaitForALeader() {
        // nothing listens on port 1; were the 120 s for a leader to fail over waited, the class's timeout would end the test
        Map<String, Object> nowhere = Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(120).toMillis());
        try (CompactedTopicView view = CompactedTopicView.builder(nowhere, List.of(Topic.MODELS.name(prefix)))
                .name("out-of-reach").reachWithin(Duration.ofSeconds(1)).build()) {
            assertThatThrownBy(() -> view.run(record -> handled.add(record.key())))
                    .isInstanceOf(TimeoutException.class);
        }
        assertThatThrownBy(() -> CompactedTopicView.builder(CONNECTION, List.of("t")).reachWithin(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout: must be positive, got PT0S");
    }

    private CompactedTopicView open(CompactedTopicView view) {
        opened.add(view);
        return view;
    }

    private RecordMetadata send(String topic, String key) {
        try {
            return producer.send(new ProducerRecord<>(topic, key, value(key))).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] value(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
