package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.contract.images.HostileImages;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ServerLiveRequest;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Image;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The packaged inference service under hostile input, through real gRPC clients on their own connections. */
@NeedsBroker
class HostileInputIT {

    private static final String LIMIT = "image.encoded: the image is 30000x30000 pixels; at most 4096x4096 are accepted";
    private static final int BOMBS = 20;
    private static final long MB = 1024 * 1024;
    private static TestStack stack;
    private static ManagedChannel attacker;
    private static ManagedChannel bystander;

    @BeforeAll
    static void serveAModel() throws Exception {
        stack = new TestStack().start();
        CapturedRun trained = CliRun.with(stack.kafkaOnly(), "submit", "-a", "mlp", "--epochs", "1", "--batch-size", "100",
                "--train-limit", "5000", "--watch");
        assertThat(trained.exitCode()).as(trained.toString()).isZero();
        stack.awaitHttp(stack.inferenceHttp, "/q/health/ready", 200);
        attacker = ManagedChannelBuilder.forAddress("127.0.0.1", stack.grpcPort).usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024).build();
        bystander = ManagedChannelBuilder.forAddress("127.0.0.1", stack.grpcPort).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        if (attacker != null) {
            attacker.shutdownNow();
            bystander.shutdownNow();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private static ClassifyRequest encoded(byte[] bytes) {
        return ClassifyRequest.newBuilder().setImage(Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)))
                .setResize(true).build();
    }

    private static ClassifyRequest raw(int seed) {
        byte[] pixels = new byte[784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * seed);
        }
        return ClassifyRequest.newBuilder().setImage(Image.newBuilder().setRawUint8(ByteString.copyFrom(pixels))).build();
    }

    @Test
    void bombsAreRefusedWhileAnotherClientKeepsBeingAnsweredAndRssStaysFlat() throws Exception {
        ClassifierGrpc.ClassifierBlockingStub classifier = ClassifierGrpc.newBlockingStub(attacker);
        classifier.classify(encoded(HostileImages.image(28, 28, "png"))); // warm the decode path
        double rssBefore = TestStack.sample(stack.inferenceHttp, "fmnist_process_resident_memory_bytes");
        AtomicBoolean attacking = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        List<Throwable> failures = new ArrayList<>();
        Thread other = new Thread(() -> {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2 = GRPCInferenceServiceGrpc.newBlockingStub(bystander);
            ClassifierGrpc.ClassifierBlockingStub mine = ClassifierGrpc.newBlockingStub(bystander);
            while (attacking.get()) {
                try {
                    assertThat(v2.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
                    assertThat(mine.classify(raw(answered.get())).getProbabilitiesCount()).isEqualTo(10);
                    answered.incrementAndGet();
                } catch (RuntimeException | AssertionError e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }
        }, "bystander");
        other.start();
        byte[] png = HostileImages.pngBomb();
        byte[] jpeg = HostileImages.jpegBomb();
        for (int i = 0; i < BOMBS; i++) {
            byte[] bomb = i % 2 == 0 ? png : jpeg;
            assertThatThrownBy(() -> classifier.classify(encoded(bomb))).isInstanceOfSatisfying(
                    StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                        assertThat(e.getStatus().getDescription()).contains(LIMIT);
                    });
        }
        attacking.set(false);
        other.join();

        assertThat(failures).isEmpty();
        assertThat(answered.get()).isPositive();
        double rssAfter = TestStack.sample(stack.inferenceHttp, "fmnist_process_resident_memory_bytes");
        assertThat((rssAfter - rssBefore) / MB).as("RSS growth in MB over %d bombs", BOMBS).isLessThan(100);
    }

    @Test
    void aStreamAnswersGoodBadGoodThreeTimes() throws Exception {
        List<ClassifyResponse> answers = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        List<Throwable> errors = new ArrayList<>();
        StreamObserver<ClassifyRequest> requests = ClassifierGrpc.newStub(attacker).classifyStream(new StreamObserver<>() {
            @Override
            public void onNext(ClassifyResponse value) {
                answers.add(value);
            }

            @Override
            public void onError(Throwable t) {
                errors.add(t);
                done.countDown();
            }

            @Override
            public void onCompleted() {
                done.countDown();
            }
        });
        requests.onNext(raw(1));
        requests.onNext(encoded(HostileImages.pngBomb()));
        requests.onNext(raw(2));
        requests.onCompleted();
        assertThat(done.await(60, TimeUnit.SECONDS)).isTrue();

        assertThat(errors).isEmpty();
        assertThat(answers).hasSize(3);
        assertThat(answers.get(0).getProbabilitiesCount()).isEqualTo(10);
        assertThat(answers.get(1).getError().getStatus()).isEqualTo("INVALID_ARGUMENT");
        assertThat(answers.get(1).getError().getMessage()).contains(LIMIT);
        assertThat(answers.get(2).getProbabilitiesCount()).isEqualTo(10);
    }

    @Test
    void modelInferRequestsTritonRefusesAreRefusedNamingTheField() {
        GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2 = GRPCInferenceServiceGrpc.newBlockingStub(attacker);
        ByteString image = ByteString.copyFrom(new byte[784]);
        ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                .setName("images").setDatatype("UINT8").addShape(1).addShape(784);
        refused(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(input.clone().setContents(InferTensorContents.newBuilder().addUintContents(0)))
                .addRawInputContents(image).build()), "inputs[0].contents: set together with raw_input_contents[0]");
        refused(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp").addInputs(input)
                .addRawInputContents(image).addRawInputContents(image).build()),
                "raw_input_contents: expected 1 buffer (one per input), got 2");
        refused(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(input.clone().setName("input__0")).addRawInputContents(image).build()),
                "inputs[0].name: unexpected inference input 'input__0'");
    }

    private static void refused(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    @Test
    void aMessageTheTransportRefusesIsCountedUnderTheStatusTheClientGot() throws Exception {
        String series = "fmnist_inference_grpc_calls_total{code=\"RESOURCE_EXHAUSTED\","
                + "method=\"inference.GRPCInferenceService/ModelInfer\"}";
        double before = TestStack.sample(stack.inferenceHttp, series);
        byte[] huge = new byte[78 * 1024 * 1024]; // over the server's 32 MB inbound limit
        ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("images").setDatatype("UINT8")
                        .addShape(huge.length / 784).addShape(784))
                .addRawInputContents(ByteString.copyFrom(huge)).build();
        assertThatThrownBy(() -> GRPCInferenceServiceGrpc.newBlockingStub(attacker).modelInfer(request))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
        long deadline = System.currentTimeMillis() + 10_000;
        while (TestStack.sample(stack.inferenceHttp, series) <= before && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertThat(TestStack.sample(stack.inferenceHttp, series)).isEqualTo(before + 1);
    }
}
