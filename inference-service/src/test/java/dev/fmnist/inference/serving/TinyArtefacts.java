package dev.fmnist.inference.serving;

import ai.djl.Device;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import dev.fmnist.inference.config.InferenceConfig;
import java.time.Instant;
import java.util.List;

/**
 * Real MLP artefacts for the serving package's unit tests, each a different version (its own seed),
 * trained on 500 images in well under a second; and the settings those tests serve them with.
 */
final class TinyArtefacts {

    /** The tests' engine, on the CPU: these tests are about serving, not the device. */
    static final ComputeEngine ENGINE = ComputeEngine.builder().optDevice(Device.cpu()).build();
    static final FashionMnist DATA = IdxFixtures.realData();

    private TinyArtefacts() {}

    /** An MLP trained with {@code seed}, published by experiment {@code experimentId}. */
    static ModelArtefact train(long seed, String experimentId) {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(250).optTrainLimit(500).optSeed(seed)
                .build();
        return ArtefactModels.of(new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(Architecture.MLP), hp, DATA,
                TrainingObserver.NONE), experimentId, Instant.now());
    }

    /** The same parameters (so the same version) with a manifest that says {@code testAccuracy}. */
    static ModelArtefact withAccuracy(ModelArtefact artefact, double testAccuracy) {
        ModelManifest m = artefact.manifest();
        return ModelArtefact.of(new ModelManifest(m.formatVersion(), m.architecture(), m.k(), m.experimentId(),
                m.hyperParameters(), m.trainImages(), m.epochs(), testAccuracy, m.parameterCount(), m.device(),
                m.djlVersion(), m.pytorchVersion(), m.createdAt(), m.parametersSha256()), artefact.parameters());
    }

    /** The same parameters with a manifest naming another architecture. */
    static ModelArtefact labelled(ModelArtefact artefact, Architecture architecture) {
        ModelManifest m = artefact.manifest();
        return ModelArtefact.of(new ModelManifest(m.formatVersion(), architecture.id(), m.k(), m.experimentId(),
                m.hyperParameters(), m.trainImages(), m.epochs(), m.testAccuracy(), m.parameterCount(), m.device(),
                m.djlVersion(), m.pytorchVersion(), m.createdAt(), m.parametersSha256()), artefact.parameters());
    }

    static ServedModel load(ModelArtefact artefact) {
        return ServedModel.load(artefact, ENGINE);
    }

    /** The first test image, scaled as serving scales it. */
    static float[] image() {
        float[] image = new float[FashionMnist.PIXELS];
        for (int i = 0; i < image.length; i++) {
            image[i] = Pixels.scale(DATA.test().images()[i]);
        }
        return image;
    }

    record Batching(int maxBatch, long maxDelayMicros, int queueCapacity, long maxQueuedImages, int workers,
            int threadsPerForward) implements InferenceConfig.Batching {}

    record Serving(List<String> models, int controlTimeoutSeconds, double minTestAccuracy, int maxBatch,
            boolean allowPlaintext, InferenceConfig.Batching batching, InferenceConfig.Images images)
            implements InferenceConfig.Serving {}

    /** Batches of up to 8 images, no delay, two workers. */
    static final Batching BATCHING = new Batching(8, 0, 256, 4096, 2, 1);

    /** Serving {@code models} with the accuracy floor {@code minTestAccuracy}. */
    static InferenceConfig config(List<String> models, double minTestAccuracy) {
        Serving serving = new Serving(models, 5, minTestAccuracy, 64, false, BATCHING, null);
        return new InferenceConfig() {
            @Override
            public KafkaTopics kafka() {
                return () -> "test";
            }

            @Override
            public InferenceConfig.Serving serving() {
                return serving;
            }
        };
    }
}
