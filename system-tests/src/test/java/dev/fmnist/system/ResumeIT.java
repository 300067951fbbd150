package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.contract.checkpoints.CheckpointManifest;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Resumed;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.Topic;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Resume across trainers: a 4-epoch run on trainer A, A SIGKILLed once its checkpoint after epoch 2
 * is on the checkpoints topic, trainer B takes the run over after the lease, publishes RESUMED from
 * epoch 2, trains epochs 2 and 3 only, and publishes an artefact whose parameters are bit-identical
 * (same sha256) to those of the same request (another id, same seed) trained uninterrupted. The run's
 * checkpoints are tombstoned once it ended.
 */
class ResumeIT {

    private static final long WAIT_MS = 120_000;
    private static final int EPOCHS = 4;

    @Test
    void aRunTakenOverResumesFromItsCheckpointAndEndsWithTheUninterruptedRunsWeights() throws Exception {
        try (TestStack stack = new TestStack()) {
            Broker broker = stack.broker();
            String suffix = UUID.randomUUID().toString().substring(0, 8);
            String resumed = "resume-" + suffix;
            String uninterrupted = "straight-" + suffix;

            int httpA = TestStack.freePort();
            Process a = stack.startTrainer("resume-a", httpA);
            stack.awaitHttp(httpA, "/q/health/ready", 200);
            submit(stack, resumed);
            CheckpointManifest atKill = awaitCheckpoint(broker, stack, resumed, 2);
            stack.kill(a); // SIGKILL: no ack, no end, the lease left to lapse
            // what A left: its newest checkpoint (it may have gone one epoch further before the kill landed)
            CheckpointManifest last = newestManifest(broker, stack, resumed).orElse(atKill);

            int httpB = TestStack.freePort();
            stack.startTrainer("resume-b", httpB);
            List<ExperimentEvent> events = awaitEnd(broker, resumed);

            List<ExperimentEvent> afterTakeOver = events.subList(indexOfRunningBy(events, "resume-b"), events.size());
            assertThat(afterTakeOver.get(1)).as("B's RUNNING, then RESUMED").isInstanceOfSatisfying(Resumed.class, r -> {
                assertThat(r.epoch()).isEqualTo(last.epoch()).isGreaterThanOrEqualTo(2);
                assertThat(r.batch()).isZero();
                assertThat(r.worker()).isEqualTo("resume-b");
            });
            List<Integer> epochsByB = afterTakeOver.stream().filter(Epoch.class::isInstance)
                    .map(e -> ((Epoch) e).epoch()).toList();
            List<Integer> expected = new ArrayList<>();
            for (int e = last.epoch(); e < EPOCHS; e++) {
                expected.add(e);
            }
            assertThat(epochsByB).as("B trains only the epochs after the checkpoint").isEqualTo(expected);
            assertThat(events.stream().filter(e -> e.type().isTerminal()).map(ExperimentEvent::type))
                    .containsExactly(Type.SUCCEEDED);

            submit(stack, uninterrupted); // on B, from epoch 0: the reference
            List<ExperimentEvent> reference = awaitEnd(broker, uninterrupted);
            assertThat(reference.stream().filter(e -> e.type() == Type.RESUMED)).isEmpty();
            assertThat(reference.stream().filter(e -> e.type().isTerminal()).map(ExperimentEvent::type))
                    .containsExactly(Type.SUCCEEDED);

            Map<String, List<String>> sha256 = artefactSha256s(broker);
            assertThat(sha256.get(resumed)).as("one artefact of the resumed run").hasSize(1);
            assertThat(sha256.get(uninterrupted)).as("one artefact of the uninterrupted run").hasSize(1);
            assertThat(sha256.get(resumed).get(0)).as("bit-identical parameters on the CPU")
                    .isEqualTo(sha256.get(uninterrupted).get(0));

            assertThat(awaitNoCheckpoint(broker, stack, resumed)).as("the ended run's checkpoints tombstoned")
                    .isEmpty();
            assertThat(TestStack.sample(httpB, "fmnist_trainer_resumes_total")).isEqualTo(1.0);
        }
    }

    private static void submit(TestStack stack, String id) {
        CapturedRun submit = CliRun.with(stack.kafkaOnly(), "submit", "--id", id, "-a", "mlp", "--epochs",
                Integer.toString(EPOCHS), "--batch-size", "100", "--train-limit", "20000", "--seed", "7");
        assertThat(submit.exitCode()).as(submit.toString()).isZero();
    }

    /** Waits for a manifest of {@code id} at {@code epoch} or later on the checkpoints topic. */
    private static CheckpointManifest awaitCheckpoint(Broker broker, TestStack stack, String id, int epoch)
            throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            Optional<CheckpointManifest> manifest = newestManifest(broker, stack, id);
            if (manifest.isPresent() && manifest.get().epoch() >= epoch) {
                return manifest.get();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no checkpoint of " + id + " at epoch " + epoch + " within " + WAIT_MS + " ms");
    }

    private static Optional<CheckpointManifest> newestManifest(Broker broker, TestStack stack, String id) {
        CheckpointManifest newest = null;
        for (ConsumerRecord<String, byte[]> r : broker.readAll(Topic.CHECKPOINTS.name(stack.prefix))) {
            if (CheckpointManifest.isManifestKey(r.key(), id)) {
                newest = r.value() == null ? null : CheckpointManifest.parse(r.key(), r.value());
            }
        }
        return Optional.ofNullable(newest);
    }

    /** The run's keys on the checkpoints topic whose last record is no tombstone, once there are none (or the wait ends). */
    private static List<String> awaitNoCheckpoint(Broker broker, TestStack stack, String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        List<String> live;
        do {
            Map<String, Boolean> keys = new HashMap<>();
            for (ConsumerRecord<String, byte[]> r : broker.readAll(Topic.CHECKPOINTS.name(stack.prefix))) {
                if (CheckpointManifest.experimentOf(r.key()).filter(id::equals).isPresent()) {
                    keys.put(r.key(), r.value() != null);
                }
            }
            live = keys.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).toList();
            if (live.isEmpty()) {
                return live;
            }
            Thread.sleep(200);
        } while (System.currentTimeMillis() < deadline);
        return live;
    }

    private static List<ExperimentEvent> awaitEnd(Broker broker, String id) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        while (System.currentTimeMillis() < deadline) {
            List<ExperimentEvent> events = broker.readAll(broker.options().events()).stream()
                    .filter(r -> id.equals(r.key())).map(r -> ExperimentEvent.parse(r.value())).toList();
            if (events.stream().anyMatch(e -> e.type().isTerminal())) {
                return events;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(id + " did not end within " + WAIT_MS + " ms");
    }

    private static int indexOfRunningBy(List<ExperimentEvent> events, String worker) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i) instanceof Running r && worker.equals(r.worker())) {
                return i;
            }
        }
        throw new AssertionError("no RUNNING by " + worker + " in " + events);
    }

    /** Each experiment's artefacts' parameters sha256, from the headers the trainer writes on fmnist.models. */
    private static Map<String, List<String>> artefactSha256s(Broker broker) {
        Map<String, List<String>> sha256 = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : broker.readAll(broker.options().models())) {
            sha256.computeIfAbsent(text(r.headers().lastHeader(Headers.EXPERIMENT_ID)), k -> new ArrayList<>())
                    .add(text(r.headers().lastHeader(Headers.PARAMETERS_SHA256)));
        }
        return sha256;
    }

    private static String text(Header header) {
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
