package dev.fmnist.inference.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.proto.inference.GRPCInferenceService;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelMetadataRequest;
import dev.fmnist.proto.inference.ModelMetadataResponse.TensorMetadata;
import dev.fmnist.proto.inference.ModelMetadataResponse;
import dev.fmnist.proto.inference.ModelReadyRequest;
import dev.fmnist.proto.inference.ModelReadyResponse;
import dev.fmnist.proto.inference.ServerLiveRequest;
import dev.fmnist.proto.inference.ServerLiveResponse;
import dev.fmnist.proto.inference.ServerMetadataRequest;
import dev.fmnist.proto.inference.ServerMetadataResponse;
import dev.fmnist.proto.inference.ServerReadyRequest;
import dev.fmnist.proto.inference.ServerReadyResponse;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Open Inference Protocol (KServe v2 / Triton) for the served model: input {@code images} as FP32
 * in [0, 1] or UINT8, shape [N, 1, 28, 28] or [N, 784], raw or typed; output {@code probabilities}
 * FP32 [N, 10]. An empty model_version means the live one.
 */
@GrpcService
public class OpenInferenceService implements GRPCInferenceService {

    static final String INPUT = InferRequestRules.INPUT;
    static final String OUTPUT = InferRequestRules.OUTPUT;
    private static final long SIDE = FashionMnist.IMAGE_SIDE;

    @Inject
    LiveModel live;

    @Inject
    DynamicBatcher batcher;

    @Inject
    InferenceConfig config;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String serverVersion;

    /** The one model this server serves: the architecture it follows. */
    private String modelName() {
        return config.serving().architecture();
    }

    @Override
    public Uni<ServerLiveResponse> serverLive(ServerLiveRequest request) {
        return Uni.createFrom().item(ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public Uni<ServerReadyResponse> serverReady(ServerReadyRequest request) {
        return Uni.createFrom().item(ServerReadyResponse.newBuilder().setReady(live.peek().isPresent()).build());
    }

    @Override
    public Uni<ModelReadyResponse> modelReady(ModelReadyRequest request) {
        return Uni.createFrom().item(() -> {
            boolean ready = request.getName().equals(modelName()) && live.peek()
                    .map(m -> request.getVersion().isEmpty() || request.getVersion().equals(m.manifest().version()))
                    .orElse(false);
            return ModelReadyResponse.newBuilder().setReady(ready).build();
        });
    }

    @Override
    public Uni<ServerMetadataResponse> serverMetadata(ServerMetadataRequest request) {
        return Uni.createFrom().item(ServerMetadataResponse.newBuilder().setName("fmnist-inference")
                .setVersion(serverVersion).build());
    }

    @Override
    public Uni<ModelMetadataResponse> modelMetadata(ModelMetadataRequest request) {
        return Uni.createFrom().item(() -> {
            requireModel(request.getName(), request.getVersion());
            return live.use(model -> ModelMetadataResponse.newBuilder().setName(modelName())
                    .addVersions(model.manifest().version()).setPlatform("pytorch_djl")
                    .addInputs(TensorMetadata.newBuilder().setName(INPUT).setDatatype("FP32")
                            .addAllShape(List.of(-1L, 1L, SIDE, SIDE)))
                    .addOutputs(TensorMetadata.newBuilder().setName(OUTPUT).setDatatype("FP32")
                            .addAllShape(List.of(-1L, (long) FashionMnist.CLASSES)))
                    .build());
        });
    }

    @Override
    public Uni<ModelInferResponse> modelInfer(ModelInferRequest request) {
        return Uni.createFrom().deferred(() -> {
            requireModel(request.getModelName(), request.getModelVersion());
            InferRequestRules.check(request);
            InferInputTensor input = request.getInputs(0);
            int n = batchSize(input.getShapeList());
            boolean raw = request.getRawInputContentsCount() > 0;
            float[] pixels = pixels(input, raw ? request.getRawInputContents(0) : null, n);
            return Uni.createFrom().completionStage(batcher.submit(pixels, n)).map(result -> {
                String version = result.model().version();
                if (!request.getModelVersion().isEmpty() && !request.getModelVersion().equals(version)) {
                    throw notFound("model_version: '" + request.getModelVersion() + "' is not loaded; live is " + version);
                }
                float[][] probabilities = result.probabilities();
                ModelInferResponse.InferOutputTensor.Builder output = ModelInferResponse.InferOutputTensor.newBuilder()
                        .setName(OUTPUT).setDatatype("FP32").addShape(n).addShape(FashionMnist.CLASSES);
                ModelInferResponse.Builder response = ModelInferResponse.newBuilder().setModelName(modelName())
                        .setModelVersion(version).setId(request.getId());
                if (raw) {
                    ByteBuffer bytes = ByteBuffer.allocate(n * FashionMnist.CLASSES * Float.BYTES)
                            .order(ByteOrder.LITTLE_ENDIAN);
                    for (float[] row : probabilities) {
                        for (float p : row) {
                            bytes.putFloat(p);
                        }
                    }
                    response.addOutputs(output).addRawOutputContents(ByteString.copyFrom(bytes.array()));
                } else {
                    InferTensorContents.Builder contents = InferTensorContents.newBuilder();
                    for (float[] row : probabilities) {
                        for (float p : row) {
                            contents.addFp32Contents(p);
                        }
                    }
                    response.addOutputs(output.setContents(contents));
                }
                return response.build();
            });
        });
    }

    /** N from a shape of [N, 1, 28, 28] or [N, 784]. */
    private int batchSize(List<Long> shape) {
        boolean image = shape.size() == 4 && shape.get(1) == 1 && shape.get(2) == SIDE && shape.get(3) == SIDE;
        boolean flat = shape.size() == 2 && shape.get(1) == FashionMnist.PIXELS;
        if (!image && !flat) {
            throw invalid("inputs[0].shape: expected [N, 1, 28, 28] or [N, 784], got " + shape);
        }
        long n = shape.get(0);
        if (n < 1) {
            throw invalid("inputs[0].shape: batch size must be at least 1, got " + n);
        }
        if (n > config.serving().maxBatch()) {
            throw Status.RESOURCE_EXHAUSTED.withDescription("inputs[0].shape: at most " + config.serving().maxBatch()
                    + " images per request, got " + n).asRuntimeException();
        }
        return (int) n;
    }

    private static float[] pixels(InferInputTensor input, ByteString raw, int n) {
        int count = n * FashionMnist.PIXELS;
        float[] pixels = new float[count];
        switch (input.getDatatype()) {
            case "FP32" -> {
                if (raw != null) {
                    requireSize(raw.size(), count * Float.BYTES, "raw_input_contents[0]", "bytes");
                    ByteBuffer bytes = raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < count; i++) {
                        pixels[i] = bytes.getFloat();
                    }
                } else {
                    requireSize(input.getContents().getFp32ContentsCount(), count, "inputs[0].contents.fp32_contents",
                            "values");
                    for (int i = 0; i < count; i++) {
                        pixels[i] = input.getContents().getFp32Contents(i);
                    }
                }
                for (int i = 0; i < count; i++) {
                    if (!Float.isFinite(pixels[i]) || pixels[i] < 0 || pixels[i] > 1) {
                        throw invalid("inputs[0]: FP32 pixels must be in [0, 1], element " + i + " is " + pixels[i]);
                    }
                }
            }
            case "UINT8" -> {
                if (raw != null) {
                    requireSize(raw.size(), count, "raw_input_contents[0]", "bytes");
                    for (int i = 0; i < count; i++) {
                        pixels[i] = Pixels.scale(raw.byteAt(i));
                    }
                } else {
                    requireSize(input.getContents().getUintContentsCount(), count, "inputs[0].contents.uint_contents",
                            "values");
                    for (int i = 0; i < count; i++) {
                        int v = input.getContents().getUintContents(i);
                        if (v < 0 || v > Pixels.MAX_LEVEL) {
                            throw invalid("inputs[0]: UINT8 pixels must be 0..255, element " + i + " is " + v);
                        }
                        pixels[i] = Pixels.scale(v);
                    }
                }
            }
            default -> throw invalid("inputs[0].datatype: expected FP32 or UINT8, got '" + input.getDatatype() + "'");
        }
        return pixels;
    }

    private void requireModel(String name, String version) {
        if (!name.equals(modelName())) {
            throw notFound("model_name: unknown model '" + name + "'; this server serves '" + modelName() + "'");
        }
        live.peek().ifPresent(m -> {
            if (!version.isEmpty() && !version.equals(m.manifest().version())) {
                throw notFound("model_version: '" + version + "' is not loaded; live is " + m.manifest().version());
            }
        });
    }

    private static void requireSize(int actual, int expected, String field, String unit) {
        if (actual != expected) {
            throw invalid(field + ": expected " + expected + " " + unit + " for the declared shape, got " + actual);
        }
    }

    private static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    private static RuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }
}
