package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.inference.predictions.FeedbackRequests;
import dev.fmnist.inference.predictions.FeedbackWriter;
import dev.fmnist.inference.predictions.RequestIds;
import dev.fmnist.inference.predictions.ServedRequests;
import dev.fmnist.proto.v1.Classifier;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.FeedbackRequest;
import dev.fmnist.proto.v1.FeedbackResponse;
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
 * refused before the batcher has it counts as a failure of its model, as the data plane's do. Every
 * answer carries its request's server-made id and each image's prediction id (the key of its record on
 * the prediction log, and what Feedback labels); once it is out, its images are logged and shadowed
 * ({@link ServedRequests}).
 */
@GrpcService
public class ClassifierService implements Classifier {

    /** The prediction log's name for this API. */
    static final String API = "classify";

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

    @Inject
    ServedRequests served;

    @Inject
    FeedbackWriter feedback;

    @Override
    public Uni<ClassifyResponse> classify(ClassifyRequest request) {
        return classify(request, RequestIds.current());
    }

    /** One image answered under {@code requestId}, by whom the slot routes it to; then logged and shadowed. */
    private Uni<ClassifyResponse> classify(ClassifyRequest request, String requestId) {
        return Uni.createFrom().deferred(() -> {
            ModelSlot slot = repository.require(request.getModel(), "model");
            ModelSlot.Route route = slot.route(request.getModelVersion(), "model_version");
            long arrived = System.nanoTime();
            return Uni.createFrom().deferred(() -> decoded(List.of(request.getImage()),
                    ImageInput.conversion(request.getConversion(), request.getConversionValue()), request.getResize(),
                    i -> "image"))
                    .onFailure().invoke(e -> inference.refused(slot, arrived))
                    .onItem().transformToUni(decoded -> {
                        ModelSlot.Submitted submitted = slot.submit(route, request.getModelVersion(),
                                decoded.pixels(), 1);
                        return ServedRequests.respond(Uni.createFrom().completionStage(submitted.answer()),
                            result -> {
                                InferenceRequests.requireAnswered(request.getModelVersion(), result.model());
                                return answer(result.probabilities()[0], result.model(),
                                        request.getExplain() ? decoded.inputs()[0] : null).setRequestId(requestId)
                                        .setPredictionId(requestId).build();
                            },
                            result -> served.answered(new ServedRequests.Answered(slot, submitted.route().role(),
                                    requestId, API, sources(List.of(request.getImage())), arrived, decoded.pixels(),
                                    result)));
                    });
        });
    }

    @Override
    public Uni<ClassifyBatchResponse> classifyBatch(ClassifyBatchRequest request) {
        String requestId = RequestIds.current();
        return Uni.createFrom().deferred(() -> {
            ModelSlot slot = repository.require(request.getModel(), "model");
            ModelSlot.Route route = slot.route(request.getModelVersion(), "model_version");
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
                    .transformToUni(decoded -> {
                        ModelSlot.Submitted submitted = slot.submit(route, request.getModelVersion(),
                                decoded.pixels(), n);
                        return ServedRequests.respond(Uni.createFrom().completionStage(submitted.answer()), result -> {
                                InferenceRequests.requireAnswered(request.getModelVersion(), result.model());
                                ClassifyBatchResponse.Builder response = ClassifyBatchResponse.newBuilder()
                                        .setRequestId(requestId);
                                float[][] probabilities = result.probabilities();
                                String[] ids = ServedRequests.predictionIds(requestId, probabilities.length);
                                for (int i = 0; i < probabilities.length; i++) {
                                    response.addResults(answer(probabilities[i], result.model(),
                                            request.getExplain() ? decoded.inputs()[i] : null).setRequestId(requestId)
                                            .setPredictionId(ids[i]));
                                }
                                return response.build();
                            }, result -> served.answered(new ServedRequests.Answered(slot, submitted.route().role(),
                                    requestId, API, sources(request.getImagesList()), arrived, decoded.pixels(),
                                    result)));
                    });
        });
    }

    /**
     * Each image answered in request order, each its own request with its own id (in its answer: a
     * header comes once per call); an image that cannot be classified gets an answer carrying its own
     * error (its code and message) and the stream goes on. Only a broken stream ends it.
     */
    @Override
    public Multi<ClassifyResponse> classifyStream(Multi<ClassifyRequest> requests) {
        return requests.onItem().transformToUniAndConcatenate(request -> classify(request, PredictionIds.newRequestId())
                .onFailure().recoverWithItem(ClassifierService::itemError));
    }

    /** Each image's form, as the prediction log records it. */
    private static RequestSource[] sources(List<Image> images) {
        RequestSource[] sources = new RequestSource[images.size()];
        for (int i = 0; i < sources.length; i++) {
            sources[i] = switch (images.get(i).getPixelsCase()) {
                case FLOAT_PIXELS -> RequestSource.FLOAT;
                case ENCODED -> RequestSource.ENCODED;
                default -> RequestSource.RAW;
            };
        }
        return sources;
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

    /** A label for a prediction (this replica's or another's), answered once the broker has it. */
    @Override
    public Uni<FeedbackResponse> feedback(FeedbackRequest request) {
        return Uni.createFrom().deferred(() -> {
            FeedbackRecord record = FeedbackRequests.record(request.getPredictionId(), request.getLabel(),
                    request.getSource(), request.getBy());
            return Uni.createFrom().completionStage(feedback.write(record)).map(written -> FeedbackResponse.newBuilder()
                    .setPredictionId(written.predictionId()).setLabel(written.label())
                    .setLabelName(written.labelName()).build());
        });
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
                        .addAllPreviousVersions(slot.previousVersions())
                        .mergeFrom(ModelDescriptions.challengerInfo(slot)).build();
            });
        });
    }

    /** The response for one image; {@code input} explains what the model read, when asked (null otherwise). */
    private ClassifyResponse.Builder answer(float[] probabilities, ModelManifest manifest, ModelInput input) {
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
        return response;
    }
}
