package dev.fmnist.engine.inference;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.networks.ChannelsLast;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.util.NativeArrays;

/**
 * A trained model ready to classify: the engine's inference API. Loaded from a verified artefact on
 * the engine's device, warmed up, then used from any thread; the caller closes it, which frees its
 * native memory.
 */
public final class InferenceModel implements AutoCloseable {

    private static final double NANOS_PER_SECOND = 1e9;

    private final ComputeEngine engine;
    private final Model model;
    private final ModelManifest manifest;

    private InferenceModel(ComputeEngine engine, Model model, ModelManifest manifest) {
        this.engine = engine;
        this.model = model;
        this.manifest = manifest;
    }

    /**
     * Loads an artefact on {@code engine}'s device and runs one forward pass, so first-call costs are
     * paid before the caller relies on it; the native model is closed again if either step fails.
     *
     * @throws dev.fmnist.contract.artefacts.ArtefactException when the parameters do not fit the network
     */
    public static InferenceModel load(ModelArtefact artefact, ComputeEngine engine) {
        Model model = ArtefactModels.newModel(artefact, engine);
        try {
            InferenceModel loaded = new InferenceModel(engine, model, artefact.manifest());
            loaded.classify(new float[FashionMnist.PIXELS], 1);
            return loaded;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /**
     * Class probabilities for {@code count} images of 784 scaled pixels each ({@code Pixels.scale}),
     * one forward pass without gradient recording; every array of the pass is freed with its manager.
     */
    public float[][] classify(float[] pixels, int count) {
        engine.disableGradOnThisThread();
        try (NDManager manager = model.getNDManager().newSubManager()) {
            int values = Math.multiplyExact(count, FashionMnist.PIXELS);
            if (count < 1 || pixels.length < values) {
                throw new IllegalArgumentException("pixels: " + count + " images need " + values + " values, got "
                        + pixels.length);
            }
            NDArray images = NativeArrays.floats(manager,
                    new Shape(count, 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE), b -> b.put(pixels, 0, values));
            NDArray logits = model.getBlock()
                    .forward(new ParameterStore(manager, false), new NDList(ChannelsLast.images(images)), false)
                    .singletonOrThrow();
            float[] flat = logits.softmax(1).toFloatArray();
            float[][] probabilities = new float[count][FashionMnist.CLASSES];
            for (int i = 0; i < count; i++) {
                System.arraycopy(flat, i * FashionMnist.CLASSES, probabilities[i], 0, FashionMnist.CLASSES);
            }
            return probabilities;
        }
    }

    /**
     * Images a second through {@link #classify} at {@code batch} images a call, calls one after another
     * for {@code seconds} after one untimed call: the raw forward pass that serving adds its queueing,
     * batching and protocol to. {@code pixels} holds at least {@code batch} images.
     */
    public double imagesPerSecond(float[] pixels, int batch, double seconds) {
        classify(pixels, batch); // the first call at a new shape pays for choosing kernels
        long start = System.nanoTime();
        long limit = (long) (seconds * NANOS_PER_SECOND);
        int passes = 0;
        while (System.nanoTime() - start < limit) {
            classify(pixels, batch);
            passes++;
        }
        return passes * (double) batch / ((System.nanoTime() - start) / NANOS_PER_SECOND);
    }

    /** Frees the native model. */
    @Override
    public void close() {
        model.close();
    }
}
