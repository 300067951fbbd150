package dev.fmnist.inference.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.FailureReason;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.inference.predictions.ServedRequests;
import dev.fmnist.proto.inference.InferParameter;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.v1.Conversion;
import io.grpc.Status;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * The data plane: an Open Inference Protocol inference, whichever way it came (gRPC ModelInfer,
 * ModelStreamInfer, or KServe v2 REST turned into the same message): the model and version resolved
 * by the {@link ModelRepository}, the request checked by {@link InferRequestRules}, the tensor read,
 * the model's batcher asked. Input {@code images} as
 * FP32 in [0, 1] or UINT8, shape [N, 1, 28, 28] or [N, 784], raw or typed, read on the calling thread
 * (a bounded copy); or {@code encoded_images}, BYTES [N] or [N, 1] of PNG or JPEG files, checked on the
 * calling thread and decoded on the {@link ImageDecoders} as fmnist.v1 decodes them ({@link EncodedImages},
 * request parameters {@code conversion} and {@code resize}); output
 * {@code probabilities} FP32 [N, 10], or BYTES [N, k] with its top k under Triton's classification
 * extension ({@link Classification}). model_version is a version, an alias ({@code champion},
 * {@code challenger}), or empty for the slot's own routing ({@link ModelSlot#route}). Every answer
 * carries the server-made request id (parameter {@value #REQUEST_ID_PARAMETER}) and goes, once out, to
 * the prediction log and the shadow challenger.
 */
@ApplicationScoped
public class InferenceRequests {

    private static final long SIDE = FashionMnist.IMAGE_SIDE;
    /** The response parameter that carries the server-made request id (image i's prediction id is it + "." + i). */
    public static final String REQUEST_ID_PARAMETER = "fmnist_request_id";
    /** The prediction log's names for the two Open Inference front ends. */
    public static final String API_GRPC = "oip-grpc";
    public static final String API_REST = "oip-rest";

    @Inject
    ModelRepository repository;

    @Inject
    InferenceConfig config;

    @Inject
    ServingMetrics metrics;

    @Inject
    ImageDecoders decoders;

    @Inject
    ServedRequests served;

    /**
     * Answers {@code request} under {@code requestId} (the response parameter {@value #REQUEST_ID_PARAMETER})
     * through {@code api} (the prediction log's name for it); a refusal is a gRPC status naming the field,
     * and counts as a failure of its model. Once answered, its images go to the prediction log and the
     * shadow challenger ({@link ServedRequests}).
     */
    public Uni<ModelInferResponse> infer(ModelInferRequest request, String requestId, String api) {
        return Uni.createFrom().deferred(() -> {
            ModelSlot slot = repository.require(request.getModelName(), request.getModelVersion(), "model_name");
            ModelSlot.Route route = slot.route(request.getModelVersion(), "model_version");
            long arrived = System.nanoTime();
            try {
                return submit(slot, route, request, requestId, api, arrived);
            } catch (RuntimeException e) {
                refused(slot, arrived);
                throw e;
            }
        });
    }

    /**
     * A request that named a version (not an alias) answered by another, swapped in meanwhile:
     * NOT_FOUND, as if it had come a moment later.
     */
    static void requireAnswered(String requested, ModelManifest answered) {
        if (!requested.isEmpty() && !requested.equals(ModelControl.CHAMPION) && !requested.equals(ModelControl.CHALLENGER)
                && !requested.equals(answered.version())) {
            throw notFound("model_version: '" + requested + "' is not loaded; live is " + answered.version());
        }
    }

    /**
     * A request to {@code slot} that arrived at {@code arrived} (nanoTime) and was refused before its
     * batcher had it (which counts its own refusals and failures): one failure of the live version, in
     * the statistics and Triton's counters, whichever front end refused it.
     */
    public void refused(ModelSlot slot, long arrived) {
        String version = slot.manifest().map(m -> m.version()).orElse("");
        slot.stats().failure(version, System.nanoTime() - arrived);
        metrics.failed(slot.name(), version, FailureReason.OTHER);
    }

    private Uni<ModelInferResponse> submit(ModelSlot slot, ModelSlot.Route route, ModelInferRequest request,
            String requestId, String api, long arrived) {
        InferRequestRules.check(request);
        InferInputTensor input = request.getInputs(0);
        boolean raw = request.getRawInputContentsCount() > 0;
        int classes = InferRequestRules.classification(request);
        int n;
        Uni<float[]> pixels;
        RequestSource source;
        if (input.getName().equals(InferRequestRules.ENCODED_INPUT)) {
            source = RequestSource.ENCODED;
            n = EncodedImages.batchSize(input.getShapeList(), config.serving().maxBatch());
            List<ByteString> files = EncodedImages.files(input, raw ? request.getRawInputContents(0) : null, n);
            Conversion conversion = InferRequestRules.conversion(request);
            boolean resize = InferRequestRules.resize(request);
            int maxSide = decoders.maxSide();
            Supplier<float[]> decode = () -> EncodedImages.decode(files, conversion, resize, maxSide);
            // a refusal while decoding comes after this method returned: counted here, as one thrown above is by infer
            pixels = Uni.createFrom().completionStage(() -> decoders.submit(decode)).onFailure()
                    .invoke(e -> refused(slot, arrived));
        } else {
            n = batchSize(input.getShapeList());
            source = input.getDatatype().equals("FP32") ? RequestSource.FLOAT : RequestSource.RAW;
            pixels = Uni.createFrom().item(pixels(input, raw ? request.getRawInputContents(0) : null, n));
        }
        RequestSource[] sources = new RequestSource[n];
        Arrays.fill(sources, source);
        return pixels.onItem().transformToUni(scaled -> {
            // the slot may route it again (to the champion) when the challenger it chose was retired meanwhile
            ModelSlot.Submitted submitted = slot.submit(route, request.getModelVersion(), scaled, n);
            return ServedRequests.respond(Uni.createFrom().completionStage(submitted.answer()),
                    result -> response(slot, request, requestId, classes, raw, n, result),
                    result -> served.answered(new ServedRequests.Answered(slot, submitted.route().role(), requestId,
                            api, sources, arrived, scaled, result)));
        });
    }

    /** The protocol's response: the client's id echoed, ours as the parameter {@value #REQUEST_ID_PARAMETER}. */
    private static ModelInferResponse response(ModelSlot slot, ModelInferRequest request, String requestId, int classes,
            boolean raw, int n, DynamicBatcher.Result result) {
        String version = result.model().version();
        requireAnswered(request.getModelVersion(), result.model());
        ModelInferResponse.InferOutputTensor.Builder output = ModelInferResponse.InferOutputTensor.newBuilder()
                .setName(InferRequestRules.OUTPUT).setDatatype("FP32").addShape(n).addShape(FashionMnist.CLASSES);
        ModelInferResponse.Builder response = ModelInferResponse.newBuilder().setModelName(slot.name())
                .setModelVersion(version).setId(request.getId())
                .putParameters(REQUEST_ID_PARAMETER, InferParameter.newBuilder().setStringParam(requestId).build());
        float[][] probabilities = result.probabilities();
        if (classes > 0) {
            List<ByteString> top = Classification.topK(probabilities, classes).stream()
                    .map(ByteString::copyFromUtf8).toList();
            output.setDatatype("BYTES").setShape(1, classes);
            if (raw) {
                response.addOutputs(output).addRawOutputContents(ByteString.copyFrom(Classification.serialize(top)));
            } else {
                response.addOutputs(output.setContents(InferTensorContents.newBuilder().addAllBytesContents(top)));
            }
        } else if (raw) {
            ByteBuffer bytes = ByteBuffer.allocate(n * FashionMnist.CLASSES * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
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
            // can never succeed as sent: INVALID_ARGUMENT (400), as Triton; RESOURCE_EXHAUSTED is "queue full"
            throw invalid("inputs[0].shape: at most " + config.serving().maxBatch() + " images per request, got " + n);
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
                            throw invalid("inputs[0]: UINT8 pixels must be 0..255, element " + i + " is "
                                    + Integer.toUnsignedString(v));
                        }
                        pixels[i] = Pixels.scale(v);
                    }
                }
            }
            default -> throw invalid("inputs[0].datatype: expected FP32 or UINT8, got '" + input.getDatatype() + "'");
        }
        return pixels;
    }

    private static void requireSize(int actual, int expected, String field, String unit) {
        if (actual != expected) {
            throw invalid(field + ": expected " + expected + " " + unit + " for the declared shape, got " + actual);
        }
    }

    /** What a refusal says: its status's description, else the exception's message, else its type. */
    static String message(Status status, Throwable failure) {
        return status.getDescription() != null ? status.getDescription()
                : failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName();
    }

    static RuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    static RuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }
}
