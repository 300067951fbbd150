package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.FeedbackRequest;
import dev.fmnist.proto.v1.FeedbackResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fmnist feedback} and {@code fmnist classify --label} against a fmnist.v1.Classifier on a loopback port that
 * answers with prediction ids and records the Feedback calls: what the CLI sends, what it refuses before sending, and
 * how it reports the service's refusals.
 */
class FeedbackCommandTest {

    private static final String ID = "5d0c8e2f9a7b4c1d8e3f2a1b0c9d8e7f";

    @TempDir
    Path dir;

    private final FakeService fake = new FakeService();
    private Server server;

    @BeforeEach
    void start() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(fake).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aLabelByNameIsSentAsItsIndexFromTheClient() {
        CapturedRun run = cli("feedback", ID, "dress");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(fake.feedback).singleElement().satisfies(request -> {
            assertThat(request.getPredictionId()).isEqualTo(ID);
            assertThat(request.getLabel()).isEqualTo("3");
            assertThat(request.getSource()).isEqualTo("client");
            assertThat(request.getBy()).isEmpty();
        });
        assertThat(run.out()).isEqualTo("labelled " + ID + " Dress (3), from client\n");
    }

    @Test
    void aReviewerNamedInJson() throws Exception {
        CapturedRun run = cli("feedback", ID + ".12", "7", "--source", "reviewer", "--by", "alice", "-o", "json");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(fake.feedback).singleElement().satisfies(request -> {
            assertThat(request.getPredictionId()).isEqualTo(ID + ".12");
            assertThat(request.getLabel()).isEqualTo("7");
            assertThat(request.getSource()).isEqualTo("reviewer");
            assertThat(request.getBy()).isEqualTo("alice");
        });
        JsonNode json = Json.MAPPER.readTree(run.out());
        assertThat(json.get("predictionId").asText()).isEqualTo(ID + ".12");
        assertThat(json.get("label").asInt()).isEqualTo(7);
        assertThat(json.get("labelName").asText()).isEqualTo("Sneaker");
        assertThat(json.get("source").asText()).isEqualTo("reviewer");
        assertThat(json.get("by").asText()).isEqualTo("alice");
    }

    @Test
    void whatTheContractRefusesIsRefusedBeforeAnythingIsSentNamingTheArgument() {
        record Case(List<String> args, String message) {}
        List<Case> cases = List.of(
                new Case(List.of("feedback", "not-an-id", "3"), "fmnist: PREDICTION_ID: expected a prediction id"),
                new Case(List.of("feedback", ID.toUpperCase(), "3"), "fmnist: PREDICTION_ID: expected a prediction id"),
                new Case(List.of("feedback", ID, "10"), "fmnist: LABEL: expected a class index 0..9 or a class name"),
                new Case(List.of("feedback", ID, "sock"), "fmnist: LABEL: expected a class index 0..9 or a class name"),
                new Case(List.of("feedback", ID, "3", "--source", "robot"), "fmnist: --source: expected one of client, reviewer"),
                new Case(List.of("feedback", ID, "3", "--by", "x".repeat(101)), "fmnist: --by: at most 100 characters"),
                new Case(List.of("feedback", ID), "fmnist: expected PREDICTION_ID and LABEL"));
        for (Case c : cases) {
            CapturedRun run = cli(c.args().toArray(String[]::new));
            assertThat(run.exitCode()).as(c + "\n" + run).isEqualTo(ExitCode.USAGE);
            assertThat(run.err()).as(c.toString()).startsWith(c.message());
        }
        assertThat(fake.feedback).as("nothing sent").isEmpty();
    }

    @Test
    void theServicesRefusalAndItsAbsenceAreReportedWithTheirExitCodes() throws Exception {
        fake.refuse = Status.INVALID_ARGUMENT.withDescription("predictionId: no such thing");
        CapturedRun refused = cli("feedback", ID, "3");
        assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(refused.err()).contains("INVALID_ARGUMENT: predictionId: no such thing");

        int port = server.getPort();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        CapturedRun gone = CapturedRun.of("feedback", ID, "3", "--target", "127.0.0.1:" + port, "--grpc-timeout", "5");
        assertThat(gone.exitCode()).as(gone.toString()).isEqualTo(ExitCode.UNREACHABLE);
    }

    @Test
    void classifyWithALabelSendsItForEveryAnswerByItsPredictionId() throws Exception {
        Path images = idx(dir.resolve("three.idx"), 3);

        CapturedRun run = cli("classify", images.toString(), "--label", "Ankle boot");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(fake.batches).hasSize(1);
        String requestId = fake.requestIds.get(0);
        List<String> ids = List.of(requestId + ".0", requestId + ".1", requestId + ".2");
        assertThat(fake.feedback).extracting(FeedbackRequest::getPredictionId).containsExactlyElementsOf(ids);
        assertThat(fake.feedback).allSatisfy(request -> {
            assertThat(request.getLabel()).isEqualTo("9");
            assertThat(request.getSource()).isEqualTo(FeedbackRecord.CLIENT);
        });
        assertThat(run.out()).contains("PREDICTION ID");
        for (int i = 0; i < 3; i++) {
            String image = "three.idx#" + i;
            String id = ids.get(i);
            assertThat(run.out().lines().filter(l -> l.startsWith(image)).findFirst()).as(image)
                    .hasValueSatisfying(line -> assertThat(line.strip()).endsWith(id));
        }
        assertThat(run.out()).contains("labelled 3 images Ankle boot (9)");

        fake.feedback.clear();
        CapturedRun json = cli("classify", images.toString(), "--label", "9", "-o", "json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        JsonNode answers = Json.MAPPER.readTree(json.out());
        String second = fake.requestIds.get(1);
        for (int i = 0; i < 3; i++) {
            assertThat(answers.get(i).get("predictionId").asText()).isEqualTo(second + "." + i);
            assertThat(answers.get(i).get("feedbackLabel").asInt()).isEqualTo(9);
        }
        assertThat(fake.feedback).hasSize(3);
    }

    @Test
    void classifySendsEachImagesOwnClassFromTheLabelsFileWithSendLabels() throws Exception {
        Path images = idx(dir.resolve("three.idx"), 3);
        Path classes = labelsIdx(dir.resolve("three-labels.idx"), 0, 7, 3);

        CapturedRun measured = cli("classify", images.toString(), "--labels", classes.toString());
        assertThat(measured.exitCode()).as(measured.toString()).isZero();
        assertThat(fake.feedback).as("--labels alone only measures").isEmpty();

        CapturedRun run = cli("classify", images.toString(), "--labels", classes.toString(), "--send-labels");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        String requestId = fake.requestIds.get(1);
        assertThat(fake.feedback).extracting(FeedbackRequest::getPredictionId)
                .containsExactly(requestId + ".0", requestId + ".1", requestId + ".2");
        assertThat(fake.feedback).extracting(FeedbackRequest::getLabel).containsExactly("0", "7", "3");
        assertThat(run.out()).contains("TRUE CLASS", "PREDICTION ID", "accuracy 0.3333 on 3 images",
                "labelled 3 images with their classes in " + classes);

        // one call per image: the service draws its shadow share and samples its log per call
        fake.feedback.clear();
        CapturedRun oneByOne = cli("classify", images.toString(), "--labels", classes.toString(), "--send-labels",
                "--batch", "1");
        assertThat(oneByOne.exitCode()).as(oneByOne.toString()).isZero();
        assertThat(fake.batches).as("a call with --labels, one with --send-labels, then three of one image").hasSize(5);
        assertThat(fake.feedback).as("a request of one image: its prediction id is the request's").extracting(
                FeedbackRequest::getPredictionId).containsExactly(fake.requestIds.get(2), fake.requestIds.get(3),
                fake.requestIds.get(4));
        assertThat(fake.feedback).extracting(FeedbackRequest::getLabel).containsExactly("0", "7", "3");
        for (String bad : List.of("0", "501")) {
            CapturedRun refused = cli("classify", images.toString(), "--batch", bad);
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(refused.err()).startsWith("fmnist: --batch: expected 1 to 500, got " + bad);
        }

        // refused before anything is classified: labels that are no class, and labels for two files' images
        Path bad = labelsIdx(dir.resolve("bad-labels.idx"), 0, 10, 3);
        CapturedRun notAClass = cli("classify", images.toString(), "--labels", bad.toString(), "--send-labels");
        assertThat(notAClass.exitCode()).as(notAClass.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(notAClass.err()).startsWith("fmnist: " + bad + ": label 1 is 10, expected a class index 0..9");
        CapturedRun twoFiles = cli("classify", images.toString(), images.toString(), "--labels", classes.toString());
        assertThat(twoFiles.exitCode()).as(twoFiles.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(twoFiles.err()).startsWith("fmnist: --labels: give one FILE");

        fake.feedback.clear();
        CapturedRun alone = cli("classify", images.toString(), "--send-labels");
        assertThat(alone.exitCode()).as(alone.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(alone.err()).startsWith("fmnist: --send-labels: needs --labels");
        assertThat(fake.requestIds).as("nothing more classified").hasSize(5);
        assertThat(fake.feedback).isEmpty();
    }

    @Test
    void classifyRefusesABadLabelBeforeClassifyingAndAnswersWithoutIdsBeforeLabelling() throws Exception {
        Path images = idx(dir.resolve("two.idx"), 2);

        CapturedRun bad = cli("classify", images.toString(), "--label", "sock");
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.err()).startsWith("fmnist: --label: expected a class index 0..9 or a class name");
        CapturedRun both = cli("classify", images.toString(), "--label", "3", "--labels", images.toString());
        assertThat(both.exitCode()).as(both.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(both.err()).startsWith("fmnist: --label and --labels: give one");
        assertThat(fake.batches).as("nothing classified").isEmpty();

        fake.withIds = false;
        CapturedRun old = cli("classify", images.toString(), "--label", "3");
        assertThat(old.exitCode()).as(old.toString()).isEqualTo(ExitCode.ERROR);
        assertThat(old.err()).contains("no prediction id in its answer for two.idx#0", "no label sent");
        assertThat(fake.feedback).as("no label sent").isEmpty();
    }

    private CapturedRun cli(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--target", "127.0.0.1:" + server.getPort(), "--grpc-timeout", "10"));
        return CapturedRun.of(all.toArray(String[]::new));
    }

    /** An idx images file of {@code n} 28x28 images. */
    private static Path idx(Path file, int n) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(16 + n * FashionMnist.PIXELS).putInt(0x00000803).putInt(n)
                .putInt(FashionMnist.IMAGE_SIDE).putInt(FashionMnist.IMAGE_SIDE);
        for (int i = 0; i < n * FashionMnist.PIXELS; i++) {
            bytes.put((byte) i);
        }
        return Files.write(file, bytes.array());
    }

    /** An idx labels file holding {@code classes}. */
    private static Path labelsIdx(Path file, int... classes) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(8 + classes.length).putInt(0x00000801).putInt(classes.length);
        for (int c : classes) {
            bytes.put((byte) c);
        }
        return Files.write(file, bytes.array());
    }

    /**
     * Answers a batch with class 0 for every image under a fresh request id (prediction ids {@code id.i}, or none when
     * {@link #withIds} is off, as a service from before feedback), and records each Feedback call, answering it as the
     * service does or with {@link #refuse}.
     */
    static final class FakeService extends ClassifierGrpc.ClassifierImplBase {

        final List<ClassifyBatchRequest> batches = new CopyOnWriteArrayList<>();
        final List<String> requestIds = new CopyOnWriteArrayList<>();
        final List<FeedbackRequest> feedback = new CopyOnWriteArrayList<>();
        volatile boolean withIds = true;
        volatile Status refuse;

        @Override
        public void classifyBatch(ClassifyBatchRequest request, StreamObserver<ClassifyBatchResponse> answer) {
            batches.add(request);
            String requestId = PredictionIds.newRequestId();
            requestIds.add(requestId);
            ClassifyBatchResponse.Builder response = ClassifyBatchResponse.newBuilder();
            if (withIds) {
                response.setRequestId(requestId);
            }
            for (int i = 0; i < request.getImagesCount(); i++) {
                ClassifyResponse.Builder one = ClassifyResponse.newBuilder().setClassIndex(0)
                        .setClassName(FashionMnist.CLASS_NAMES[0]).setModelVersion("fake00000000");
                for (int c = 0; c < FashionMnist.CLASSES; c++) {
                    one.addProbabilities(c == 0 ? 0.91f : 0.01f);
                }
                if (withIds) {
                    one.setRequestId(requestId)
                            .setPredictionId(PredictionIds.predictionId(requestId, i, request.getImagesCount()));
                }
                response.addResults(one);
            }
            answer.onNext(response.build());
            answer.onCompleted();
        }

        @Override
        public void feedback(FeedbackRequest request, StreamObserver<FeedbackResponse> answer) {
            feedback.add(request);
            if (refuse != null) {
                answer.onError(refuse.asRuntimeException());
                return;
            }
            int label = FeedbackRecord.parseLabel(request.getLabel(), "label");
            answer.onNext(FeedbackResponse.newBuilder().setPredictionId(request.getPredictionId()).setLabel(label)
                    .setLabelName(FashionMnist.CLASS_NAMES[label]).build());
            answer.onCompleted();
        }
    }
}
