package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.runtime.ComputeEngine;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One model and the requests using it. When it is replaced it is retired, and its native memory is
 * freed once the last in-flight request has released it.
 */
public final class ServedModel {

    private static final int RETIRED = Integer.MIN_VALUE / 2;

    private final InferenceModel model;
    /** In-flight requests; pushed far negative on retirement so no new one can enter. */
    private final AtomicInteger users = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    public ServedModel(InferenceModel model) {
        this.model = model;
    }

    /** Loads a verified artefact as DJL's block; see {@link #load(ModelArtefact, ComputeEngine, ForwardForm)}. */
    public static ServedModel load(ModelArtefact artefact, ComputeEngine engine) {
        return load(artefact, engine, ForwardForm.BLOCK);
    }

    /**
     * Loads a verified artefact on {@code engine}'s device to run in {@code form} (which warms it up).
     *
     * @throws dev.fmnist.contract.artefacts.ArtefactException when the parameters do not fit the network
     */
    public static ServedModel load(ModelArtefact artefact, ComputeEngine engine, ForwardForm form) {
        return new ServedModel(InferenceModel.load(artefact, engine, form));
    }

    /** True once its native memory has been freed. */
    boolean isClosed() {
        return closed.get();
    }

    public ModelManifest manifest() {
        return model.manifest();
    }

    /** How it runs its forward pass: the form asked for, or the block when the export did not match it. */
    public ForwardForm form() {
        return model.form();
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

    /** Class probabilities for {@code count} images of 784 scaled pixels each. */
    public float[][] predict(float[] pixels, int count) {
        return model.classify(pixels, count);
    }
}
