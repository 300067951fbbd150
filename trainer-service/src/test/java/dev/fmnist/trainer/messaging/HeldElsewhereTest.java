package dev.fmnist.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.Topic;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests whose experiment another trainer holds, on the real broker: parked, so what is behind them
 * goes on at once; taken over once the holder's lease lapsed on this trainer's own clock (a claim
 * "until 2099" included); acked as duplicates when the holder ends them. And records on the state topic
 * that its holder did not write: refused and counted, or, when they end a run this trainer trains, a
 * terminal event that says so.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class HeldElsewhereTest {

    private static final Duration WAIT = Duration.ofMinutes(2);
    private static final Pattern REFUSED = Pattern.compile(
            "fmnist_trainer_state_records_refused_total\\{[^}]*reason=\"([a-z-]+)\"[^}]*} ([0-9.]+)");
    private static final Pattern PARKED = Pattern.compile("(?m)^fmnist_trainer_parked_requests(?:\\{[^}]*})? ([0-9.]+)");
    private static KafkaTestSupport kafka;

    @BeforeAll
    static void connect() {
        kafka = new KafkaTestSupport();
    }

    @AfterAll
    static void disconnect() {
        kafka.close();
    }

    private static Map<String, Object> small(String id, int epochs, int trainLimit) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("experimentId", id);
        request.put("architecture", "mlp");
        request.put("epochs", epochs);
        request.put("batchSize", 500);
        request.put("trainLimit", trainLimit);
        return request;
    }

    /** A claim on the state topic as another trainer (or a forger) writes it: under the id, on the id's partition. */
    private static void writeState(String key, ExperimentState state) {
        kafka.sendKeyed(KafkaTestSupport.topic(Topic.EXPERIMENT_STATE), key,
                new String(state.toJson(), StandardCharsets.UTF_8));
    }

    private static ExperimentState queued(String id) {
        return ExperimentState.of(id).next(Queued.of(id, Subject.NONE));
    }

    private static List<ConsumerRecord<String, byte[]>> eventRecords(String prefix, List<String> mustEnd) {
        return KafkaTestSupport.read(KafkaTestSupport.topic(Topic.EXPERIMENT_EVENTS),
                rs -> mustEnd.stream().allMatch(id -> rs.stream().anyMatch(r -> id.equals(r.key())
                        && ExperimentEvent.parse(r.value()).type().isTerminal())), WAIT)
                .stream().filter(r -> r.key() != null && r.key().startsWith(prefix)).toList();
    }

    private static List<ExperimentEvent> of(List<ConsumerRecord<String, byte[]>> records, String id) {
        return records.stream().filter(r -> id.equals(r.key())).map(r -> ExperimentEvent.parse(r.value())).toList();
    }

    private static long terminalAt(List<ConsumerRecord<String, byte[]>> records, String id) {
        return records.stream().filter(r -> id.equals(r.key()) && ExperimentEvent.parse(r.value()).type().isTerminal())
                .mapToLong(ConsumerRecord::timestamp).findFirst().orElseThrow();
    }

    private static long artefactsOf(String id) {
        return KafkaTestSupport.read(KafkaTestSupport.topic(Topic.MODELS), rs -> false, Duration.ofSeconds(3)).stream()
                .filter(r -> {
                    Header h = r.headers().lastHeader(Headers.EXPERIMENT_ID);
                    return h != null && id.equals(new String(h.value(), StandardCharsets.UTF_8));
                }).count();
    }

    private static double parked() {
        Matcher m = PARKED.matcher(RestAssured.get("/q/metrics").then().statusCode(200).extract().asString());
        assertThat(m.find()).as("the parked-requests gauge").isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static Map<String, Double> refusedCounts() {
        Map<String, Double> counts = new LinkedHashMap<>();
        Matcher m = REFUSED.matcher(RestAssured.get("/q/metrics").then().statusCode(200).extract().asString());
        while (m.find()) {
            counts.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return counts;
    }

    @Test
    void aClaimUntil2099ParksItsRequestWithoutHoldingUpTheOthersAndLapsesAfterALeaseOnThisTrainersClock() {
        String prefix = KafkaTestSupport.id("forged-lease");
        String x = prefix + "-x";
        // a lease "until 2099" by a worker nobody runs: the old rule waited for it, and so did every
        // request behind it on the partition
        writeState(x, queued(x).claimedBy("forger-nobody-runs", 1, Instant.parse("2099-01-01T00:00:00Z")));
        String requests = KafkaTestSupport.topic(Topic.EXPERIMENTS);
        kafka.send(requests, x, KafkaTestSupport.json(small(x, 1, 1000)));
        List<String> good = List.of(prefix + "-a", prefix + "-b", prefix + "-c", prefix + "-d", prefix + "-e");
        for (int i = 0; i < good.size(); i++) {
            String id = good.get(i);
            if (i < 3) {
                kafka.send(requests, id, KafkaTestSupport.json(small(id, 1, 1000))); // behind x, on its partition
            } else {
                kafka.sendKeyed(requests, id, KafkaTestSupport.json(small(id, 1, 1000))); // wherever the key goes
            }
        }

        List<ConsumerRecord<String, byte[]>> records = eventRecords(prefix,
                java.util.stream.Stream.concat(good.stream(), java.util.stream.Stream.of(x)).toList());

        List<ExperimentEvent> xEvents = of(records, x);
        assertThat(xEvents.stream().filter(e -> e.type().isTerminal()).map(ExperimentEvent::type))
                .as("taken over after the lease and ended once").containsExactly(Type.SUCCEEDED);
        long xRunning = records.stream().filter(r -> x.equals(r.key())
                && ExperimentEvent.parse(r.value()) instanceof Running).mapToLong(ConsumerRecord::timestamp)
                .findFirst().orElseThrow();
        for (String id : good) {
            assertThat(of(records, id).stream().filter(e -> e.type().isTerminal()).map(ExperimentEvent::type))
                    .as(id).containsExactly(Type.SUCCEEDED);
            assertThat(terminalAt(records, id)).as(id + " ended before x was taken over: nothing waited behind x")
                    .isLessThan(xRunning);
        }
        assertThat(artefactsOf(x)).isEqualTo(1);
        List<ConsumerRecord<String, byte[]>> states = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.EXPERIMENT_STATE),
                rs -> false, Duration.ofSeconds(3)).stream().filter(r -> x.equals(r.key())).toList();
        ExperimentState last = ExperimentState.parse(states.get(states.size() - 1).value());
        assertThat(last.attempt()).as("taken over: the next attempt").isEqualTo(2);
        assertThat(last.worker()).isNotEqualTo("forger-nobody-runs");
    }

    @Test
    void aDuplicateOfAnExperimentRunningElsewhereIsParkedAndAckedWhenItsHolderEndsIt() throws Exception {
        String prefix = KafkaTestSupport.id("dup-elsewhere");
        String d = prefix + "-d";
        // another trainer holds d and beats, as a live one does
        ExperimentState held = queued(d).claimedBy("other-trainer", 1, Instant.now());
        writeState(d, held);
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        beats.scheduleAtFixedRate(() -> writeState(d, held.renewedAt(Instant.now())), 2, 2, TimeUnit.SECONDS);
        try {
            String requests = KafkaTestSupport.topic(Topic.EXPERIMENTS);
            kafka.send(requests, "another-key-" + d, KafkaTestSupport.json(small(d, 1, 1000)));
            String behind = prefix + "-behind";
            kafka.send(requests, behind, KafkaTestSupport.json(small(behind, 1, 1000)));

            List<ConsumerRecord<String, byte[]>> records = eventRecords(prefix, List.of(behind));
            assertThat(of(records, behind).stream().map(ExperimentEvent::type)).contains(Type.SUCCEEDED);
            assertThat(of(records, d)).as("held elsewhere: not run here").isEmpty();
            assertThat(parked()).as("d's request, parked").isGreaterThanOrEqualTo(1.0);
        } finally {
            beats.shutdownNow();
            beats.awaitTermination(10, TimeUnit.SECONDS);
        }
        // the holder ends it: the parked request is a duplicate, acked, and nothing more happens to d
        writeState(d, held.renewedAt(Instant.now()).next(Succeeded.of(d, Subject.NONE, null, null, null)));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (parked() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(parked()).as("acked as a duplicate").isZero();
        assertThat(KafkaTestSupport.events(d, es -> false, Duration.ofSeconds(3))).as("never run here").isEmpty();
    }

    @Test
    void aForgedTakeOverThatNeverBeatsStopsTheRunOnlyUntilItsLeaseLapses() {
        String id = KafkaTestSupport.id("forged-takeover");
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(small(id, 30, 3000)));
        ExperimentState claim = KafkaTestSupport.read(KafkaTestSupport.topic(Topic.EXPERIMENT_STATE),
                rs -> rs.stream().anyMatch(r -> id.equals(r.key()) && ExperimentState.parse(r.value()).status() == Type.RUNNING),
                WAIT).stream().filter(r -> id.equals(r.key())).map(r -> ExperimentState.parse(r.value()))
                .filter(s -> s.status() == Type.RUNNING).findFirst().orElseThrow();
        // a higher attempt by a worker nobody runs: the holder stands down, and nobody ends the run
        writeState(id, claim.claimedBy("forger-nobody-runs", claim.attempt() + 1, Instant.parse("2099-01-01T00:00:00Z")));

        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> es.stream().anyMatch(e -> e.type().isTerminal()),
                WAIT);
        assertThat(events.stream().filter(e -> e.type().isTerminal()).map(ExperimentEvent::type))
                .as("the run came back after the forged claim's lease and ended once").containsExactly(Type.SUCCEEDED);
        assertThat(events.stream().filter(e -> e.type() == Type.RUNNING)).as("started again").hasSize(2);
        assertThat(artefactsOf(id)).isEqualTo(1);
    }

    @Test
    void anEndThatItsHolderDidNotWriteStopsTheRunWithATerminalEventThatSaysSo() throws Exception {
        String id = KafkaTestSupport.id("forged-end");
        kafka.send(KafkaTestSupport.topic(Topic.EXPERIMENTS), id, KafkaTestSupport.json(small(id, 200, 6000)));
        // the holder's claim as it is on the topic once it runs
        List<ConsumerRecord<String, byte[]>> running = KafkaTestSupport.read(
                KafkaTestSupport.topic(Topic.EXPERIMENT_STATE), rs -> rs.stream().anyMatch(r -> id.equals(r.key())
                        && ExperimentState.parse(r.value()).status() == Type.RUNNING), WAIT);
        ExperimentState claim = running.stream().filter(r -> id.equals(r.key())).map(r -> ExperimentState.parse(r.value()))
                .filter(s -> s.status() == Type.RUNNING).findFirst().orElseThrow();
        Map<String, Double> before = refusedCounts();

        // a forger's end under the end key: refused and counted, the run goes on
        writeState(StateTable.endKey(id), queued(id).claimedBy("forger", 5, Instant.now())
                .next(Failed.of(id, Subject.NONE, "forged")));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (refusedCounts().get("foreign-end") - before.get("foreign-end") < 1 && System.nanoTime() < deadline) {
            Thread.sleep(100); // counted before the next record, which ends the run for every reader
        }
        // and the holder's own claim copied with FAILED: taken by every reader; the holder says so
        writeState(id, claim.next(Failed.of(id, Subject.NONE, "forged by copying the claim")));

        List<ExperimentEvent> events = KafkaTestSupport.events(id, es -> es.stream().anyMatch(e -> e.type().isTerminal()),
                WAIT);
        List<ExperimentEvent> ends = events.stream().filter(e -> e.type().isTerminal()).toList();
        assertThat(ends).hasSize(1);
        assertThat(ends.get(0).type()).isEqualTo(Type.FAILED);
        assertThat(((Failed) ends.get(0)).reason()).contains("stopped by an end record on "
                + KafkaTestSupport.topic(Topic.EXPERIMENT_STATE) + " that its holder did not write (status FAILED, worker "
                + claim.worker() + ", attempt " + claim.attempt() + ")");
        assertThat(events.stream().filter(e -> e.type() == Type.EPOCH).count()).as("stopped early").isLessThan(200);
        Thread.sleep(ExperimentState.HEARTBEAT.toMillis()); // nothing else comes after the terminal event
        assertThat(KafkaTestSupport.events(id, es -> false, Duration.ofSeconds(2)).stream()
                .filter(e -> e.type().isTerminal())).hasSize(1);
        assertThat(artefactsOf(id)).isZero();
        Map<String, Double> after = refusedCounts();
        assertThat(after.get("foreign-end") - before.get("foreign-end")).as("the forger's end").isEqualTo(1.0);
        assertThat(after).containsKeys("unreadable", "wrong-key");
    }
}
