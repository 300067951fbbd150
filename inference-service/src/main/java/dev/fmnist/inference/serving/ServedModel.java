package dev.fmnist.inference.serving;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.fmnist.engine.artefacts.ModelArtefact;
import dev.fmnist.engine.artefacts.ModelManifest;
import dev.fmnist.engine.data.FashionMnist;
import dev.fmnist.engine.training.ComputeEngine;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One loaded model and the requests using it. When it is replaced it is retired, and its native
 * memory is freed once the last in-flight request has released it.
 */
public final class ServedModel {

    private static final int RETIRED = Integer.MIN_VALUE / 2;

    private final Model model;
    private final ModelManifest manifest;
    /** In-flight requests; pushed far negative on retirement so no new one can enter. */
    private final AtomicInteger users = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    public ServedModel(Model model, ModelManifest manifest) {
        this.model = model;
        this.manifest = manifest;
    }

    /**
     * Loads a verified artefact and runs one forward pass, so first-call costs are paid before it goes
     * live; the native model is closed again if either step fails.
     *
     * @throws dev.fmnist.engine.artefacts.ArtefactException when the parameters do not fit the network
     */
    public static ServedModel load(ModelArtefact artefact) {
        Model model = artefact.newModel(ComputeEngine.device());
        try {
            ServedModel served = new ServedModel(model, artefact.manifest());
            served.predict(new float[FashionMnist.PIXELS], 1);
            return served;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** True once its native memory has been freed. */
    boolean isClosed() {
        return closed.get();
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** Registers a request; false when the model was retired meanwhile. */
    boolean tryAcquire() {
        int now = users.incrementAndGet();
        if (now > 0) {
            return true;
        }
        release();
        return false;
    }

    void release() {
        if (users.decrementAndGet() == RETIRED) {
            closeOnce();
        }
    }

    /** No new requests; closed now if idle, else when the last in-flight request releases it. */
    void retire() {
        if (users.addAndGet(RETIRED) == RETIRED) {
            closeOnce();
        }
    }

    /** A late tryAcquire can bring the count back to RETIRED after the close: close only once. */
    private void closeOnce() {
        if (closed.compareAndSet(false, true)) {
            model.close();
        }
    }


    /**
     * Class probabilities for {@code count} images of 784 floats in [0, 1], one forward pass without
     * gradient recording; every array of the pass is freed with its manager.
     */
    public float[][] predict(float[] pixels, int count) {
        ComputeEngine.disableGradOnThisThread();
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray images = manager.create(pixels, new Shape(count, 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE));
            NDArray logits = model.getBlock()
                    .forward(new ParameterStore(manager, false), new NDList(images), false).singletonOrThrow();
            float[] flat = logits.softmax(1).toFloatArray();
            float[][] probabilities = new float[count][FashionMnist.CLASSES];
            for (int i = 0; i < count; i++) {
                System.arraycopy(flat, i * FashionMnist.CLASSES, probabilities[i], 0, FashionMnist.CLASSES);
            }
            return probabilities;
        }
    }
}
