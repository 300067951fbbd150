package dev.fmnist.inference.serving;

import dev.fmnist.engine.artefacts.ModelManifest;
import dev.fmnist.engine.data.FashionMnist;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Classifier;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * fmnist.v1.Classifier. Forward passes run on worker threads (@Blocking, or emitOn for the stream),
 * never on the gRPC event loop.
 */
@GrpcService
public class ClassifierService implements Classifier {

    @Inject
    LiveModel live;

    @ConfigProperty(name = "fmnist.serving.max-batch")
    int maxBatch;

    @Override
    @Blocking
    public Uni<ClassifyResponse> classify(ClassifyRequest request) {
        return Uni.createFrom().item(() -> classifyOne(request));
    }

    @Override
    @Blocking
    public Uni<ClassifyBatchResponse> classifyBatch(ClassifyBatchRequest request) {
        return Uni.createFrom().item(() -> {
            int n = request.getImagesCount();
            if (n == 0) {
                throw ImageInput.invalid("images: expected 1 to " + maxBatch + " images, got none");
            }
            if (n > maxBatch) {
                throw Status.RESOURCE_EXHAUSTED.withDescription("images: at most " + maxBatch
                        + " images per ClassifyBatch, got " + n).asRuntimeException();
            }
            float[] pixels = new float[n * FashionMnist.PIXELS];
            for (int i = 0; i < n; i++) {
                ImageInput.decode(request.getImages(i), request.getResize(), "images[" + i + "]", pixels, i);
            }
            return live.use(model -> {
                float[][] probabilities = model.predict(pixels, n);
                ClassifyBatchResponse.Builder response = ClassifyBatchResponse.newBuilder();
                for (float[] p : probabilities) {
                    response.addResults(answer(p, model.manifest()));
                }
                return response.build();
            });
        });
    }

    @Override
    public Multi<ClassifyResponse> classifyStream(Multi<ClassifyRequest> requests) {
        return requests.emitOn(Infrastructure.getDefaultWorkerPool()).map(this::classifyOne);
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

    private ClassifyResponse classifyOne(ClassifyRequest request) {
        float[] pixels = new float[FashionMnist.PIXELS];
        ImageInput.decode(request.getImage(), request.getResize(), "image", pixels, 0);
        return live.use(model -> answer(model.predict(pixels, 1)[0], model.manifest()));
    }

    private static ClassifyResponse answer(float[] probabilities, ModelManifest manifest) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        ClassifyResponse.Builder response = ClassifyResponse.newBuilder().setClassIndex(best)
                .setClassName(FashionMnist.CLASS_NAMES[best]).setModelVersion(manifest.version());
        for (float p : probabilities) {
            response.addProbabilities(p);
        }
        return response.build();
    }
}
