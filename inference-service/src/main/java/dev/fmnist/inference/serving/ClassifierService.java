package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.proto.v1.Classifier;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.ItemError;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * fmnist.v1.Classifier: an adapter over the {@link ModelRepository}. Images are decoded here and
 * answered by their model's {@link DynamicBatcher}, whose own workers run the forward passes, so the
 * gRPC event loop never computes. A request names its model, or gets the first one served; one
 * refused before the batcher has it counts as a failure of its model, as the data plane's do.
 */
@GrpcService
public class ClassifierService implements Classifier {

    @Inject
    ModelRepository repository;

    @Inject
    ImageDecoders decoders;

    @Inject
    InferenceConfig config;

    @Inject
    ServingMetrics metrics;

    @Inject
    InferenceRequests inference;

    @Override
    public Uni<ClassifyResponse> classify(ClassifyRequest request) {
        return Uni.createFrom().deferred(() -> {
            ModelSlot slot = repository.require(request.getModel(), "model");
            long arrived = System.nanoTime();
            return Uni.createFrom().deferred(() -> decoded(List.of(request.getImage()),
                    ImageInput.conversion(request.getConversion(), request.getConversionValue()), request.getResize(),
                    i -> "image"))
                    .onFailure().invoke(e -> inference.refused(slot, arrived))
                    .onItem().transformToUni(decoded -> Uni.createFrom().completionStage(slot.batcher()
                            .submit(decoded.pixels(), 1))
                            .map(result -> answer(result.probabilities()[0], result.model(),
                                    request.getExplain() ? decoded.inputs()[0] : null)));
        });
    }

    @Override
    public Uni<ClassifyBatchResponse> classifyBatch(ClassifyBatchRequest request) {
        return Uni.createFrom().deferred(() -> {
            ModelSlot slot = repository.require(request.getModel(), "model");
            long arrived = System.nanoTime();
            int n = request.getImagesCount();
            int max = config.serving().maxBatch();
            return Uni.createFrom().deferred(() -> {
                if (n == 0) {
                    throw ImageInput.invalid("images: expected 1 to " + max + " images, got none");
                }
                if (n > max) {
                    // can never succeed as sent: INVALID_ARGUMENT (400), as Triton; RESOURCE_EXHAUSTED is "queue full"
                    throw ImageInput.invalid("images: at most " + max + " images per ClassifyBatch, got " + n);
                }
                return decoded(request.getImagesList(),
                        ImageInput.conversion(request.getConversion(), request.getConversionValue()), request.getResize(),
                        i -> "images[" + i + "]");
            }).onFailure().invoke(e -> inference.refused(slot, arrived)).onItem()
                    .transformToUni(decoded -> Uni.createFrom().completionStage(
                            slot.batcher().submit(decoded.pixels(), n)).map(result -> {
                                ClassifyBatchResponse.Builder response = ClassifyBatchResponse.newBuilder();
                                float[][] probabilities = result.probabilities();
                                for (int i = 0; i < probabilities.length; i++) {
                                    response.addResults(answer(probabilities[i], result.model(),
                                            request.getExplain() ? decoded.inputs()[i] : null));
                                }
                                return response.build();
                            }));
        });
    }

    /**
     * Each image answered in request order; an image that cannot be classified gets an answer carrying
     * its own error (its code and message) and the stream goes on. Only a broken stream ends it.
     */
    @Override
    public Multi<ClassifyResponse> classifyStream(Multi<ClassifyRequest> requests) {
        return requests.onItem().transformToUniAndConcatenate(request -> classify(request)
                .onFailure().recoverWithItem(ClassifierService::itemError));
    }

    /** A request's images as the model reads them: the scaled pixels of all, and what each one became. */
    private record Decoded(float[] pixels, ModelInput[] inputs) {}

    /**
     * The scaled pixels of {@code images}: raw and float images at once, on the calling thread (a
     * bounded copy); encoded ones on the image decoders, never on the gRPC event loop.
     */
    private Uni<Decoded> decoded(List<Image> images, Conversion conversion, boolean resize, IntFunction<String> field) {
        int maxSide = decoders.maxSide();
        Supplier<Decoded> decode = () -> {
            float[] pixels = new float[images.size() * FashionMnist.PIXELS];
            ModelInput[] inputs = new ModelInput[images.size()];
            for (int i = 0; i < images.size(); i++) {
                inputs[i] = ImageInput.decode(images.get(i), conversion, resize, maxSide, field.apply(i), pixels, i);
            }
            return new Decoded(pixels, inputs);
        };
        if (images.stream().anyMatch(ImageInput::isEncoded)) {
            return Uni.createFrom().completionStage(() -> decoders.submit(decode));
        }
        return Uni.createFrom().item(decode);
    }

    private static ClassifyResponse itemError(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        String message = InferenceRequests.message(status, failure);
        return ClassifyResponse.newBuilder().setError(ItemError.newBuilder().setCode(status.getCode().value())
                .setStatus(status.getCode().name()).setMessage(message)).build();
    }

    @Override
    public Uni<dev.fmnist.proto.v1.FeedbackResponse> feedback(dev.fmnist.proto.v1.FeedbackRequest request) {
        // replaced by the prediction log's feedback writer (issue 27, in progress)
        return Uni.createFrom().failure(Status.UNIMPLEMENTED.withDescription("Feedback: not yet").asRuntimeException());
    }

    @Override
    public Uni<ModelInfo> getModel(GetModelRequest request) {
        return Uni.createFrom().item(() -> {
            ModelSlot slot = repository.require(request.getModel(), "model");
            return slot.live().use(model -> {
                ModelManifest m = model.manifest();
                return ModelInfo.newBuilder().setModel(slot.name()).setVersion(m.version())
                        .setArchitecture(m.networkSpec().label())
                        .setExperimentId(m.experimentId() == null ? "" : m.experimentId())
                        .setTestAccuracy(m.testAccuracy()).setTrainedAt(m.createdAt())
                        .setParameterCount(m.parameterCount()).addAllRefused(slot.refused().all())
                        .setPinned(slot.pinned().orElse(""))
                        .setControlReason(slot.control().map(c -> c.reason() == null ? "" : c.reason()).orElse(""))
                        .addAllPreviousVersions(slot.previousVersions()).build();
            });
        });
    }

    /** The response for one image; {@code input} explains what the model read, when asked (null otherwise). */
    private ClassifyResponse answer(float[] probabilities, ModelManifest manifest, ModelInput input) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        metrics.predicted(manifest.networkSpec().servingName(), best);
        ClassifyResponse.Builder response = ClassifyResponse.newBuilder().setClassIndex(best)
                .setClassName(FashionMnist.CLASS_NAMES[best]).setModelVersion(manifest.version());
        for (float p : probabilities) {
            response.addProbabilities(p);
        }
        if (input != null) {
            response.setExplanation(input.explanation());
        }
        return response.build();
    }
}
