package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Two models served at once by two inference replicas on the real broker, and model control as an
 * operator uses it: the trainer trains two MLPs and a BaselineNet; both models take traffic at the same
 * time; {@code fmnist models rollback}, {@code unpin} and {@code pin} change both replicas together;
 * a replica restarted while pinned comes back pinned without serving the newest in between.
 */
@NeedsBroker
class ModelControlIT {

    private static final long WAIT_MS = 120_000;
    private static final List<String> TWO_MODELS = List.of("-Dfmnist.serving.models=mlp,baseline");

    @Test
    void twoReplicasServeTwoModelsAndFollowOnePinRollbackAndUnpin() throws Exception {
        try (TestStack stack = new TestStack()) {
            stack.startTrainer();
            int grpc2 = TestStack.freePort();
            int http2 = TestStack.freePort();
            stack.startInference("replica-1", stack.grpcPort, stack.inferenceHttp, TWO_MODELS);
            Process replica2 = stack.startInference("replica-2", grpc2, http2, TWO_MODELS);
            stack.awaitHttp(stack.trainerHttp, "/q/health/ready", 200);

            String first = train(stack, "mlp", 1);
            String second = train(stack, "mlp", 2);
            String baseline = train(stack, "baseline", 3);
            List<Integer> replicas = List.of(stack.grpcPort, grpc2);
            for (int port : replicas) {
                awaitModel(port, "mlp", i -> i.getVersion().equals(second) && i.getPinned().isEmpty());
                awaitModel(port, "baseline", i -> i.getVersion().equals(baseline));
            }
            stack.awaitHttp(stack.inferenceHttp, "/v2/health/ready", 200);

            // both models under traffic at once, each answered by its own version
            List<Image> images = testImages(20);
            ExecutorService clients = Executors.newFixedThreadPool(2);
            Future<List<String>> mlpAnswers = clients.submit(traffic(stack.grpcPort, "mlp", images));
            Future<List<String>> baselineAnswers = clients.submit(traffic(stack.grpcPort, "baseline", images));
            assertThat(mlpAnswers.get(120, TimeUnit.SECONDS)).hasSize(50 * images.size()).containsOnly(second);
            assertThat(baselineAnswers.get(120, TimeUnit.SECONDS)).hasSize(50 * images.size()).containsOnly(baseline);
            clients.shutdown();

            // rollback: every replica serves the previous version, pinned
            CapturedRun rollback = cli(stack, stack.grpcPort, "models", "rollback", "mlp");
            assertThat(rollback.exitCode()).as(rollback.toString()).isZero();
            assertThat(rollback.out()).contains("mlp: pinned to " + first);
            for (int port : replicas) {
                awaitModel(port, "mlp", i -> i.getVersion().equals(first) && i.getPinned().equals(first)
                        && i.getControlReason().equals("rollback from " + second));
                awaitModel(port, "baseline", i -> i.getVersion().equals(baseline) && i.getPinned().isEmpty());
            }

            // a replica restarted while pinned comes back pinned, and never serves the newest in between
            stack.stop(replica2);
            Path replica2Log = Path.of("target", "it-logs", stack.prefix + "-replica-2.log");
            long firstLife = Files.size(replica2Log); // the stack appends a restarted service's log to its first
            stack.startInference("replica-2", grpc2, http2, TWO_MODELS);
            awaitModel(grpc2, "mlp", i -> i.getVersion().equals(first) && i.getPinned().equals(first));
            byte[] wholeLog = Files.readAllBytes(replica2Log);
            String restartedLog = new String(wholeLog, (int) firstLife, wholeLog.length - (int) firstLife,
                    StandardCharsets.UTF_8);
            assertThat(restartedLog).contains("mlp: now serving " + first).doesNotContain("mlp: now serving " + second);

            // unpin: back to the newest everywhere
            CapturedRun unpin = cli(stack, grpc2, "models", "unpin", "mlp");
            assertThat(unpin.exitCode()).as(unpin.toString()).isZero();
            for (int port : replicas) {
                awaitModel(port, "mlp", i -> i.getVersion().equals(second) && i.getPinned().isEmpty());
            }

            // pin by version, as an operator names it, and what fmnist models shows
            CapturedRun pin = cli(stack, stack.grpcPort, "models", "pin", "mlp", first, "--reason", "bad second model");
            assertThat(pin.exitCode()).as(pin.toString()).isZero();
            for (int port : replicas) {
                awaitModel(port, "mlp", i -> i.getVersion().equals(first) && i.getPinned().equals(first));
            }
            String models = cli(stack, stack.grpcPort, "models").out();
            assertThat(models).containsPattern("mlp +" + first + " .* \\* pinned")
                    .contains("mlp: live " + first + ", pinned to " + first + " (bad second model)")
                    .contains("baseline: live " + baseline + ", follows the newest artefact");
            CapturedRun unknown = cli(stack, stack.grpcPort, "models", "pin", "mlp", "000000000000");
            assertThat(unknown.exitCode()).isEqualTo(4);
            assertThat(unknown.err()).contains("VERSION: '000000000000' is not among the artefacts of mlp");
            CapturedRun badModel = cli(stack, stack.grpcPort, "models", "unpin", "resnet");
            assertThat(badModel.exitCode()).isEqualTo(2);
            assertThat(badModel.err()).contains("MODEL: unknown architecture 'resnet'");
        }
    }

    /** Trains one small network through the trainer and returns its artefact's version. */
    private static String train(TestStack stack, String architecture, int seed) throws Exception {
        String id = stack.prefix + "-" + architecture + "-" + seed;
        CapturedRun run = CliRun.with(stack.kafkaOnly(), "submit", "--id", id, "-a", architecture, "--epochs", "1",
                "--batch-size", "100", "--train-limit", "3000", "--seed", String.valueOf(seed), "--watch");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        Matcher artefact = Pattern.compile("artefact ([0-9a-f]{12})").matcher(run.out());
        assertThat(artefact.find()).as(run.out()).isTrue();
        return artefact.group(1);
    }

    private static CapturedRun cli(TestStack stack, int grpcPort, String... args) {
        List<String> connection = new ArrayList<>(stack.kafkaOnly());
        connection.addAll(List.of("--target", "127.0.0.1:" + grpcPort));
        return CliRun.with(connection, args);
    }

    /** Waits until the replica on {@code port} reports {@code model} as {@code wanted} says. */
    private static ModelInfo awaitModel(int port, String model, Predicate<ModelInfo> wanted) throws InterruptedException {
        return ReplicaModels.await(port, model, WAIT_MS, wanted);
    }

    /** 50 batches of {@code images} to {@code model}; the version that answered each image. */
    private static Callable<List<String>> traffic(int port, String model, List<Image> images) {
        return () -> {
            ManagedChannel channel = ManagedChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext().build();
            try {
                ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(channel);
                List<String> versions = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    for (ClassifyResponse answer : stub.withDeadlineAfter(30, TimeUnit.SECONDS).classifyBatch(
                            ClassifyBatchRequest.newBuilder().setModel(model).addAllImages(images).build()).getResultsList()) {
                        versions.add(answer.getModelVersion());
                    }
                }
                return versions;
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        };
    }

    private static List<Image> testImages(int n) {
        FashionMnist.Split test = IdxFixtures.realData().test();
        List<Image> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            images.add(Image.newBuilder().setRawUint8(ByteString.copyFrom(test.images(), i * FashionMnist.PIXELS,
                    FashionMnist.PIXELS)).build());
        }
        return images;
    }
}
