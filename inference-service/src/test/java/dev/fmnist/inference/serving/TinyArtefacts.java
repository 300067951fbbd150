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
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
        return train(seed, experimentId, false);
    }

    /** {@link #train(long, String)}, served with test-time flips when {@code testTimeFlip}. */
    static ModelArtefact train(long seed, String experimentId, boolean testTimeFlip) {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(250).optTrainLimit(500).optSeed(seed)
                .optTestTimeFlip(testTimeFlip).build();
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

    /** Batches of up to 8 images, no delay, two workers. */
    static final Batching BATCHING = new Batching(8, 0, 256, 4096, 2, 1);

    /** Serving {@code models} with the accuracy floor {@code minTestAccuracy}. */
    static InferenceConfig config(List<String> models, double minTestAccuracy) {
        if (models.isEmpty()) { // SmallRye refuses an empty list itself; ModelSlots' own check needs one
            InferenceConfig config = config(List.of("mlp"), minTestAccuracy);
            InferenceConfig.Serving serving = proxy(InferenceConfig.Serving.class, config.serving(), "models", List.of());
            return proxy(InferenceConfig.class, config, "serving", serving);
        }
        return config(Map.of("fmnist.serving.models", String.join(",", models),
                "fmnist.serving.min-test-accuracy", String.valueOf(minTestAccuracy)));
    }

    /** {@code target}, but its method {@code method} answers {@code value}. */
    private static <T> T proxy(Class<T> type, T target, String method, Object value) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (self, m, args) -> {
            if (m.getName().equals(method) && m.getParameterCount() == 0) {
                return value;
            }
            try {
                return m.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }

    /**
     * The service's own settings as SmallRye maps them, every default from {@code InferenceConfig},
     * with the tests' batching ({@link #BATCHING}), a 5 s control timeout and {@code settings} over
     * them: a group added to the settings never needs a test's hand-written copy.
     */
    static InferenceConfig config(Map<String, String> settings) {
        Map<String, String> values = new HashMap<>(Map.of("fmnist.kafka.topic-prefix", "test",
                "fmnist.serving.control-timeout-seconds", "5", "fmnist.serving.max-batch", "64",
                "fmnist.serving.batching.max-batch", String.valueOf(BATCHING.maxBatch()),
                "fmnist.serving.batching.max-delay-micros", String.valueOf(BATCHING.maxDelayMicros()),
                "fmnist.serving.batching.queue-capacity", String.valueOf(BATCHING.queueCapacity()),
                "fmnist.serving.batching.max-queued-images", String.valueOf(BATCHING.maxQueuedImages()),
                "fmnist.serving.batching.workers", String.valueOf(BATCHING.workers()),
                "fmnist.serving.batching.threads-per-forward", String.valueOf(BATCHING.threadsPerForward())));
        values.putAll(settings);
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(InferenceConfig.class)
                .withSources(new PropertiesConfigSource(values, "tests", 100)).build();
        return config.getConfigMapping(InferenceConfig.class);
    }
}
