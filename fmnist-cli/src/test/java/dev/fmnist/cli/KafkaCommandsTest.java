package dev.fmnist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.experiments.ControlCommand;
import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Cancelled;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The commands that read topics ({@code list}, {@code show}, {@code watch}, {@code cancel}) against the
 * broker of {@code bin/test}, each test on topics of its own, with records written as the trainer
 * writes them (the contract's events and states).
 */
@NeedsBroker
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KafkaCommandsTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Subject MLP = new Subject(null, "mlp", null, 2, null, null);

    private String prefix;
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void topicsOfItsOwn() {
        prefix = TestTopics.fresh("cli");
        producer = new KafkaProducer<>(KafkaClients.producer(connection()), new StringSerializer(),
                new ByteArraySerializer());
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    @Test
    void listShowsEachExperimentOnceOldestFirstAndFiltersByStatus() throws Exception {
        List<ExperimentEvent> events = events("a-first");
        ExperimentState first = states("a-first", events.get(0),
                events.subList(1, events.size()).toArray(ExperimentEvent[]::new));
        ExperimentState second = states("b-second", queued("b-second"), running("b-second"));
        write(Topic.EXPERIMENT_STATE, "not-a-state", "{\"hello\":1}".getBytes(StandardCharsets.UTF_8));

        CapturedRun all = cli("list", "--output", "json");

        assertThat(all.exitCode()).as(all.toString()).isZero();
        JsonNode rows = Json.MAPPER.readTree(all.out());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("experimentId").asText()).isEqualTo(first.experimentId());
        assertThat(rows.get(0).get("status").asText()).isEqualTo("SUCCEEDED");
        assertThat(rows.get(0).get("epochsDone").asInt()).isEqualTo(2);
        assertThat(rows.get(1).get("experimentId").asText()).isEqualTo(second.experimentId());
        assertThat(rows.get(1).get("status").asText()).isEqualTo("RUNNING");

        CapturedRun running = cli("list", "--status", "RUNNING");
        assertThat(running.exitCode()).as(running.toString()).isZero();
        assertThat(running.out()).contains("b-second", "RUNNING").doesNotContain("a-first");
    }

    @Test
    void showPrintsTheLifecycleAndEveryEpochAndNamesWhereAMissingOneWasLookedFor() {
        for (ExperimentEvent event : events("exp-1")) {
            write(Topic.EXPERIMENT_EVENTS, event.experimentId(), event.toJson());
        }

        CapturedRun show = cli("show", "exp-1");

        assertThat(show.exitCode()).as(show.toString()).isZero();
        assertThat(show.out()).contains("Experiment:    exp-1", "Status:        SUCCEEDED", "Architecture:  mlp",
                "Device:        cpu() (trainer-1)", "Artefact:      0123456789ab");
        assertThat(show.out().lines().filter(line -> line.matches("\\s*[12]/2\\s+0\\.\\d{4}.*"))).hasSize(2);

        CapturedRun missing = cli("show", "exp-2");
        assertThat(missing.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(missing.err()).contains("no experiment 'exp-2' on " + Topic.EXPERIMENT_EVENTS.name(prefix));
    }

    @Test
    void watchReplaysAFinishedExperimentAndExitsWithItsStatus() {
        for (ExperimentEvent event : events("exp-1")) {
            write(Topic.EXPERIMENT_EVENTS, event.experimentId(), event.toJson());
        }

        CapturedRun watch = cli("watch", "exp-1", "--progress", "never");

        assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCode.OK);
        assertThat(watch.out()).contains("QUEUED    mlp, 2 epochs", "RUNNING   on cpu() (trainer-1)", "epoch 1/2",
                "epoch 2/2", "SUCCEEDED in ");
    }

    @Test
    void watchSaysASweepQueuesItsRunsRatherThanNamingADevice() {
        for (ExperimentEvent event : List.of(queued("sweep-1"), Running.of("sweep-1", MLP, Running.SWEEP_DEVICE,
                "trainer-1"), Cancelled.of("sweep-1", MLP, "cancelled by the test"))) {
            write(Topic.EXPERIMENT_EVENTS, event.experimentId(), event.toJson());
        }

        CapturedRun watch = cli("watch", "sweep-1", "--progress", "never");

        assertThat(watch.out()).as(watch.toString()).contains("RUNNING   its runs queued by trainer-1")
                .doesNotContain("RUNNING   on");
    }

    @Test
    void watchFollowsARunningExperimentUntilItEnds() throws Exception {
        for (ExperimentEvent event : List.of(queued("exp-1"), running("exp-1"))) {
            write(Topic.EXPERIMENT_EVENTS, event.experimentId(), event.toJson());
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CompletableFuture<Integer> watching = CompletableFuture.supplyAsync(() -> FmnistCli.execute(
                new PrintWriter(out, true), new PrintWriter(err, true), args("watch", "exp-1", "--progress", "never")));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!out.toString().contains("RUNNING") && System.nanoTime() < deadline) {
            Thread.sleep(20); // until the replay is read: what comes after it is followed
        }
        assertThat(out.toString()).contains("RUNNING   on cpu()");
        assertThat(watching).isNotDone();

        write(Topic.EXPERIMENT_EVENTS, "exp-1", Cancelled.of("exp-1", MLP, "cancelled by the test").toJson());

        assertThat(watching.get(WAIT.toSeconds(), TimeUnit.SECONDS)).as(out + "\n" + err).isEqualTo(ExitCode.CANCELLED);
        assertThat(out.toString()).contains("CANCELLED: cancelled by the test");
    }

    @Test
    void cancelSendsACancelForWhatHasNotEndedAndNothingForWhatHas() throws Exception {
        states("running-1", queued("running-1"), running("running-1"));
        states("ended-1", queued("ended-1"), running("ended-1"), succeeded("ended-1"));

        CapturedRun running = cli("cancel", "running-1");
        CapturedRun ended = cli("cancel", "ended-1");
        CapturedRun unknown = cli("cancel", "unknown-1");

        assertThat(running.exitCode()).as(running.toString()).isZero();
        assertThat(running.out()).isEqualTo("cancel sent for running-1 (RUNNING)\n");
        assertThat(ended.exitCode()).as(ended.toString()).isZero();
        assertThat(ended.out()).isEqualTo("ended-1 already ended SUCCEEDED; nothing to cancel\n");
        assertThat(unknown.out()).startsWith("cancel sent for unknown-1 (no events yet");
        assertThat(controlRecords()).containsExactly(ControlCommand.cancel("running-1"), ControlCommand.cancel("unknown-1"));
    }

    @Test
    void topicsThatDoNotExistAreNotFoundInOneLine() {
        CapturedRun list = CapturedRun.of("list", "--bootstrap-servers", TestTopics.bootstrap(), "--topic-prefix",
                prefix + "-none");

        assertThat(list.exitCode()).as(list.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(list.err()).startsWith("fmnist: topic " + Topic.EXPERIMENT_STATE.name(prefix + "-none")
                + " does not exist on " + TestTopics.bootstrap()).doesNotContain("\tat ");
        assertThat(list.err().lines().count()).isEqualTo(1);
    }

    private CapturedRun cli(String... args) {
        return CapturedRun.of(args(args));
    }

    private String[] args(String... args) {
        return Stream.concat(Stream.of(args), Stream.of("--bootstrap-servers", TestTopics.bootstrap(), "--topic-prefix",
                prefix)).toArray(String[]::new);
    }

    private static Map<String, Object> connection() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
    }

    /**
     * The experiment's state after each event, written as a trainer writes it: QUEUED, then its claim,
     * then the holder's own records. Returns the last.
     */
    private ExperimentState states(String id, ExperimentEvent queued, ExperimentEvent... held) {
        ExperimentState state = ExperimentState.of(id).next(queued);
        write(Topic.EXPERIMENT_STATE, id, state.toJson());
        state = state.claimedBy("trainer-1", state.nextAttempt(), Instant.now());
        write(Topic.EXPERIMENT_STATE, id, state.toJson());
        for (ExperimentEvent event : held) {
            state = state.next(event);
            write(Topic.EXPERIMENT_STATE, id, state.toJson());
        }
        return state;
    }

    private static List<ExperimentEvent> events(String id) {
        return List.of(queued(id), running(id),
                Epoch.of(id, MLP, 0, new EventMetrics(0.61, 0.78, 0.8123, 2.0, 30000.0)),
                Epoch.of(id, MLP, 1, new EventMetrics(0.42, 0.85, 0.8456, 2.0, 30000.0)),
                succeeded(id));
    }

    private static Queued queued(String id) {
        return Queued.of(id, MLP);
    }

    private static Running running(String id) {
        return Running.of(id, MLP, "cpu()", "trainer-1");
    }

    private static Succeeded succeeded(String id) {
        return Succeeded.of(id, MLP, "0123456789ab", new EventMetrics(0.42, 0.85, 0.8456, 2.0, 30000.0), null);
    }

    private void write(Topic topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic.name(prefix), key, value)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic.name(prefix), e);
        }
    }

    private List<ControlCommand> controlRecords() {
        KafkaOptions options = new KafkaOptions();
        options.bootstrapServers = TestTopics.bootstrap();
        options.topicPrefix = prefix;
        options.timeoutSeconds = (int) WAIT.toSeconds();
        return new Broker(options).readAll(options.control()).stream().map(r -> ControlCommand.parse(r.value())).toList();
    }
}
