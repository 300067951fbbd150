package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.FeedbackRequest;
import dev.fmnist.proto.v1.FeedbackResponse;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntBinaryOperator;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Promotion and rollback as policy, end to end on the real broker: the packaged trainer trains three
 * MLPs through Kafka, the packaged inference service serves them with {@code fmnist.policy.enabled},
 * and labelled traffic flows (real test images through ClassifyBatch, then a Feedback with a label for
 * every answered prediction id). A worse candidate published while a better champion serves is
 * challenged in shadow and retired, never promoted; a better one is challenged and promoted with its
 * reasons and answers from then on; labels that disagree with its answers drive its live accuracy
 * down until it is rolled back to the champion before it. Every step is read from the model-control
 * topic with a real consumer (decision, by the policy, reasons) and from what the service serves.
 *
 * <p>The thresholds are the production rules with small numbers (N = 60 labelled, 30 needed, 40
 * shadowed, agreement 0.6, floor 0.5), so the whole story takes a few minutes of traffic.
 */
@NeedsBroker
class PromotionIT {

    private static final long WAIT_MS = 150_000;
    private static final String MODEL = "mlp";
    /** Images per round of traffic: ClassifyBatch requests of {@link #BATCH} images, each image labelled after. */
    private static final int ROUND = 40;
    private static final int BATCH = 10;
    private static final List<String> POLICY = List.of(
            "-Dfmnist.policy.enabled=true",
            "-Dfmnist.policy.interval=PT1S",
            "-Dfmnist.policy.last-labelled=60",
            "-Dfmnist.policy.min-labelled=30",
            "-Dfmnist.policy.min-shadowed=40",
            "-Dfmnist.policy.min-agreement=0.6",
            "-Dfmnist.policy.shadow-share=1.0",
            "-Dfmnist.policy.rollback-margin=0.05",
            "-Dfmnist.live.accuracy-floor=0.5");
    /** The image's true class. */
    private static final IntBinaryOperator TRUTH = (label, answered) -> label;
    /** A class other than the one answered: every answer counts as wrong. */
    private static final IntBinaryOperator DISAGREE = (label, answered) -> (answered + 1) % FashionMnist.CLASSES;

    @Test
    void aWorseCandidateIsRetiredABetterOneIsPromotedAndRolledBackWhenItsLabelsDisagree() throws Exception {
        try (TestStack stack = new TestStack()) {
            stack.startTrainer();
            stack.startInference(POLICY);
            stack.awaitHttp(stack.trainerHttp, "/q/health/ready", 200);
            Broker broker = stack.broker();
            String controlTopic = Topic.MODEL_CONTROL.name(stack.prefix);

            try (Traffic traffic = new Traffic(stack.grpcPort)) {
                // a) the first artefact goes live by itself; labelled traffic flows
                String champion = train(stack, "champion", 1, 2000, 1);
                awaitModel(stack.grpcPort, i -> i.getVersion().equals(champion));
                for (int r = 0; r < 3; r++) {
                    assertThat(traffic.round(TRUTH)).containsOnly(champion);
                }

                // b) a worse candidate: challenged in shadow, retired, never promoted; answers stay the champion's
                String worse = train(stack, "worse", 1, 200, 2);
                Decided challengeOfWorse = awaitDecision(broker, controlTopic, traffic, TRUTH, champion, 0,
                        c -> c.decision() == ModelDecision.CHALLENGE && worse.equals(c.challenger()),
                        "a CHALLENGE of the worse " + worse);
                int challengeWorse = challengeOfWorse.index();
                ModelControl challenged = challengeOfWorse.record();
                assertByPolicy(challenged);
                assertThat(challenged.mode()).isEqualTo(ChallengerMode.SHADOW);
                assertThat(challenged.share()).isEqualTo(1.0);
                assertThat(challenged.pinned()).as("the champion stays").isEqualTo(champion);

                ModelControl retired = awaitDecision(broker, controlTopic, traffic, TRUTH, champion, challengeWorse + 1,
                        c -> c.decision() == ModelDecision.RETIRE, "a RETIRE of the worse " + worse).record();
                assertByPolicy(retired);
                assertThat(retired.pinned()).isEqualTo(champion);
                assertThat(retired.challenger()).isNull();
                awaitModel(stack.grpcPort, i -> i.getVersion().equals(champion) && i.getChallenger().isEmpty());
                for (int r = 0; r < 3; r++) { // traffic keeps flowing: still never promoted
                    assertThat(traffic.round(TRUTH)).containsOnly(champion);
                }
                assertThat(records(broker, controlTopic)).as("the worse candidate is never promoted")
                        .noneMatch(c -> c.decision() == ModelDecision.PROMOTE && worse.equals(c.pinned()));

                // c) a better candidate: challenged in shadow, then promoted with its reasons; it answers from then on
                String better = train(stack, "better", 4, 20000, 3);
                Decided challengeOfBetter = awaitDecision(broker, controlTopic, traffic, TRUTH, champion, 0,
                        c -> c.decision() == ModelDecision.CHALLENGE && better.equals(c.challenger()),
                        "a CHALLENGE of the better " + better);
                int challengeBetter = challengeOfBetter.index();
                assertByPolicy(challengeOfBetter.record());
                assertThat(challengeOfBetter.record().mode()).isEqualTo(ChallengerMode.SHADOW);
                awaitModel(stack.grpcPort, i -> i.getVersion().equals(champion) && i.getChallenger().equals(better)
                        && i.getChallengerMode().equals("shadow"));

                Decided promotion = awaitDecision(broker, controlTopic, traffic, TRUTH, champion, challengeBetter + 1,
                        c -> c.decision() == ModelDecision.PROMOTE, "a PROMOTE of the better " + better);
                int promoteBetter = promotion.index();
                ModelControl promoted = promotion.record();
                assertByPolicy(promoted);
                assertThat(promoted.pinned()).isEqualTo(better);
                assertThat(String.join("\n", promoted.reasons())).contains("labelled").contains("agreement");
                assertThat(promotion.history().subList(challengeBetter + 1, promoteBetter))
                        .as("nothing else decided in between")
                        .noneMatch(c -> c.decision() == ModelDecision.RETIRE || c.decision() == ModelDecision.ROLLBACK);
                awaitModel(stack.grpcPort, i -> i.getVersion().equals(better) && i.getChallenger().isEmpty());
                for (int r = 0; r < 2; r++) { // truthful labels: it stays
                    assertThat(traffic.round(TRUTH)).containsOnly(better);
                }
                List<ModelControl> afterPromotion = records(broker, controlTopic);
                assertThat(afterPromotion.subList(promoteBetter + 1, afterPromotion.size()))
                        .as("no rollback while its labels agree").noneMatch(c -> c.decision() == ModelDecision.ROLLBACK);

                // d) labels that disagree with its answers: rolled back to the champion before it, with the reason
                ModelControl rolledBack = awaitDecision(broker, controlTopic, traffic, DISAGREE, better, promoteBetter + 1,
                        c -> c.decision() == ModelDecision.ROLLBACK, "a ROLLBACK of " + better).record();
                assertByPolicy(rolledBack);
                assertThat(rolledBack.pinned()).isEqualTo(champion);
                assertThat(String.join("\n", rolledBack.reasons())).contains("labelled");
                awaitModel(stack.grpcPort, i -> i.getVersion().equals(champion));
                assertThat(traffic.round(TRUTH)).containsOnly(champion);

                // the whole story, in order, on the control topic
                List<ModelDecision> decisions = records(broker, controlTopic).stream().map(ModelControl::decision).toList();
                assertThat(decisions).containsSubsequence(ModelDecision.CHALLENGE, ModelDecision.RETIRE,
                        ModelDecision.CHALLENGE, ModelDecision.PROMOTE, ModelDecision.ROLLBACK);
                assertThat(records(broker, controlTopic)).as("never promoted, worse")
                        .noneMatch(c -> c.decision() == ModelDecision.PROMOTE && worse.equals(c.pinned()));
            }
        }
    }

    /** Trains one MLP through the trainer (a request on the experiments topic) and returns its artefact's version. */
    private static String train(TestStack stack, String name, int epochs, int trainImages, int seed) {
        CapturedRun run = CliRun.with(stack.kafkaOnly(), "submit", "--id", stack.prefix + "-" + name, "-a", MODEL,
                "--epochs", String.valueOf(epochs), "--batch-size", "100", "--train-limit", String.valueOf(trainImages),
                "--seed", String.valueOf(seed), "--watch");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        Matcher artefact = Pattern.compile("artefact ([0-9a-f]{12})").matcher(run.out());
        assertThat(artefact.find()).as(run.out()).isTrue();
        return artefact.group(1);
    }

    private static void assertByPolicy(ModelControl record) {
        assertThat(record.by()).as(record.toString()).isEqualTo(ModelControl.POLICY);
        assertThat(record.reasons()).as(record.toString()).isNotEmpty().allSatisfy(r -> assertThat(r).isNotBlank());
        assertThat(record.model()).isEqualTo(MODEL);
    }

    /** The control topic's records as read once the awaited one was among them, and its index there. */
    private record Decided(List<ModelControl> history, int index) {
        ModelControl record() {
            return history.get(index);
        }
    }

    /**
     * Rounds of labelled traffic until the control topic holds, at {@code from} or later, a record
     * {@code wanted} picks; returns the records and the first such. Every round before the one after
     * which it did was answered by {@code servedBefore} alone: the records were read after each round,
     * so no decision had changed what serves it yet.
     */
    private static Decided awaitDecision(Broker broker, String topic, Traffic traffic, IntBinaryOperator labels,
            String servedBefore, int from, Predicate<ModelControl> wanted, String what) throws InterruptedException {
        long deadline = System.currentTimeMillis() + WAIT_MS;
        List<ModelControl> history = records(broker, topic);
        List<String> answeredBefore = new ArrayList<>();
        while (indexOf(history, from, wanted) < 0) {
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("no " + what + " within " + WAIT_MS + " ms; the control topic holds:\n"
                        + String.join("\n", history.stream().map(PromotionIT::describe).toList()));
            }
            assertThat(answeredBefore).as("answers before " + what).allMatch(servedBefore::equals);
            answeredBefore = traffic.round(labels);
            history = records(broker, topic);
        }
        return new Decided(history, indexOf(history, from, wanted));
    }

    private static String describe(ModelControl c) {
        return c.decision() + " pinned=" + c.pinned() + " challenger=" + c.challenger() + " by=" + c.by() + ": "
                + String.join("; ", c.reasons());
    }

    /** Every record of the model's control topic, oldest first, each read as the replicas read it. */
    private static List<ModelControl> records(Broker broker, String topic) {
        List<ModelControl> records = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : broker.readAll(topic)) {
            records.add(ModelControl.parse(r.key(), r.value()));
        }
        return records;
    }

    private static int indexOf(List<ModelControl> history, int from, Predicate<ModelControl> wanted) {
        for (int i = from; i < history.size(); i++) {
            if (wanted.test(history.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Waits until the replica on {@code port} reports the model as {@code wanted} says. */
    private static ModelInfo awaitModel(int port, Predicate<ModelInfo> wanted) throws InterruptedException {
        return ReplicaModels.await(port, MODEL, WAIT_MS, wanted);
    }

    /** A client classifying the real test images in turn and labelling every answer. */
    private static final class Traffic implements AutoCloseable {
        private final ManagedChannel channel;
        private final ClassifierGrpc.ClassifierBlockingStub stub;
        private final FashionMnist.Split test = IdxFixtures.realData().test();
        private int next;

        Traffic(int port) {
            channel = ManagedChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext().build();
            stub = ClassifierGrpc.newBlockingStub(channel);
        }

        /**
         * {@link #ROUND} images in ClassifyBatch requests of {@link #BATCH}, then one Feedback per answer
         * with the label {@code labels} gives (from the true label and the answered class); returns the
         * versions that answered.
         */
        List<String> round(IntBinaryOperator labels) {
            List<String> versions = new ArrayList<>();
            for (int request = 0; request < ROUND / BATCH; request++) {
                ClassifyBatchRequest.Builder batch = ClassifyBatchRequest.newBuilder().setModel(MODEL);
                int[] truth = new int[BATCH];
                for (int k = 0; k < BATCH; k++) {
                    int image = next++ % test.size();
                    truth[k] = test.labels()[image];
                    batch.addImages(Image.newBuilder().setRawUint8(ByteString.copyFrom(test.images(),
                            image * FashionMnist.PIXELS, FashionMnist.PIXELS)));
                }
                List<ClassifyResponse> answers = stub.withDeadlineAfter(30, TimeUnit.SECONDS).classifyBatch(batch.build())
                        .getResultsList();
                assertThat(answers).hasSize(BATCH);
                for (int k = 0; k < BATCH; k++) {
                    ClassifyResponse answer = answers.get(k);
                    versions.add(answer.getModelVersion());
                    int label = labels.applyAsInt(truth[k], answer.getClassIndex());
                    FeedbackResponse recorded = stub.withDeadlineAfter(30, TimeUnit.SECONDS).feedback(FeedbackRequest
                            .newBuilder().setPredictionId(answer.getPredictionId()).setLabel(String.valueOf(label))
                            .setSource("reviewer").setBy("PromotionIT").build());
                    assertThat(recorded.getPredictionId()).isEqualTo(answer.getPredictionId());
                    assertThat(recorded.getLabel()).isEqualTo(label);
                }
            }
            return versions;
        }

        /** An interrupt while the channel drains is kept for the test's thread (javac's try lint). */
        @Override
        public void close() {
            channel.shutdownNow();
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
