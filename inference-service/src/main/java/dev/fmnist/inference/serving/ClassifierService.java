package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.proto.v1.Classifier;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PostConstruct;
import jakarta.inject.Inject;

/**
 * fmnist.v1.Classifier. Requests are decoded here and answered by the {@link DynamicBatcher}, whose
 * own workers run the forward passes, so the gRPC event loop never computes.
 */
@GrpcService
public class ClassifierService implements Classifier {

    @Inject
    LiveModel live;

    @Inject
    DynamicBatcher batcher;

    @Inject
    MeterRegistry registry;

    private Counter[] predictions;

    @PostConstruct
    void registerCounters() {
        predictions = new Counter[FashionMnist.CLASSES];
        for (int c = 0; c < FashionMnist.CLASSES; c++) {
            predictions[c] = Counter.builder("fmnist.inference.predictions").tag("class", FashionMnist.CLASS_NAMES[c])
                    .description("answers by predicted class").register(registry);
        }
    }

    @Inject
    InferenceConfig config;

    @Override
    public Uni<ClassifyResponse> classify(ClassifyRequest request) {
        return Uni.createFrom().deferred(() -> {
            float[] pixels = new float[FashionMnist.PIXELS];
            ImageInput.decode(request.getImage(), request.getResize(), "image", pixels, 0);
            return Uni.createFrom().completionStage(batcher.submit(pixels, 1));
        }).map(result -> answer(result.probabilities()[0], result.model()));
    }

    @Override
    public Uni<ClassifyBatchResponse> classifyBatch(ClassifyBatchRequest request) {
        return Uni.createFrom().deferred(() -> {
            int n = request.getImagesCount();
            if (n == 0) {
                throw ImageInput.invalid("images: expected 1 to " + config.serving().maxBatch() + " images, got none");
            }
            if (n > config.serving().maxBatch()) {
                throw Status.RESOURCE_EXHAUSTED.withDescription("images: at most " + config.serving().maxBatch()
                        + " images per ClassifyBatch, got " + n).asRuntimeException();
            }
            float[] pixels = new float[n * FashionMnist.PIXELS];
            for (int i = 0; i < n; i++) {
                ImageInput.decode(request.getImages(i), request.getResize(), "images[" + i + "]", pixels, i);
            }
            return Uni.createFrom().completionStage(batcher.submit(pixels, n));
        }).map(result -> {
            ClassifyBatchResponse.Builder response = ClassifyBatchResponse.newBuilder();
            for (float[] p : result.probabilities()) {
                response.addResults(answer(p, result.model()));
            }
            return response.build();
        });
    }

    @Override
    public Multi<ClassifyResponse> classifyStream(Multi<ClassifyRequest> requests) {
        return requests.onItem().transformToUniAndConcatenate(this::classify); // answers in request order
    }

    @Override
    public Uni<ModelInfo> getModel(GetModelRequest request) {
        return Uni.createFrom().item(() -> live.use(model -> {
            ModelManifest m = model.manifest();
            return ModelInfo.newBuilder().setVersion(m.version()).setArchitecture(m.networkSpec().label())
                    .setExperimentId(m.experimentId() == null ? "" : m.experimentId())
                    .setTestAccuracy(m.testAccuracy()).setTrainedAt(m.createdAt())
                    .setParameterCount(m.parameterCount()).build();
        }));
    }

    private ClassifyResponse answer(float[] probabilities, ModelManifest manifest) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        predictions[best].increment();
        ClassifyResponse.Builder response = ClassifyResponse.newBuilder().setClassIndex(best)
                .setClassName(FashionMnist.CLASS_NAMES[best]).setModelVersion(manifest.version());
        for (float p : probabilities) {
            response.addProbabilities(p);
        }
        return response.build();
    }
}
