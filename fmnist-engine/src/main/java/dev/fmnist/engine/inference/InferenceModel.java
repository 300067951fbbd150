package dev.fmnist.engine.inference;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.training.Initialization;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.networks.ChannelsLast;
import dev.fmnist.engine.networks.Networks;
import dev.fmnist.engine.networks.TestTimeFlip;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.torchscript.TorchScriptExport;
import dev.fmnist.engine.util.NativeArrays;
import dev.fmnist.engine.util.Percentiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A trained model ready to classify: the engine's inference API. Loaded from a verified artefact on
 * the engine's device, warmed up, then used from any thread; the caller closes it, which frees its
 * native memory.
 */
public final class InferenceModel implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InferenceModel.class);
    private static final double NANOS_PER_SECOND = 1e9;
    private static final double NANOS_PER_MS = 1e6;
    /** Untimed passes before {@link #timePasses} times any: a fresh JVM's first seconds are the JIT's. */
    private static final double WARM_UP_SECONDS = 1;
    /** Passes {@link #timePasses} records at most (32 MB of timings). */
    private static final int MAX_TIMED_PASSES = 1 << 22;
    /** Images the exported form is checked on against the block before it replaces it. */
    private static final int PROBE_IMAGES = 32;
    private static final long PROBE_SEED = 20261206L;
    /** Probe passes: libtorch's profiling executor optimises the graph after its first two. */
    private static final int PROBE_RUNS = 3;
    /** Largest difference of a class probability allowed between the block and its exported form. */
    public static final double FORM_TOLERANCE = 1e-5;

    private final ComputeEngine engine;
    private final Model model;
    private final ModelManifest manifest;
    private final ForwardForm form;

    private InferenceModel(ComputeEngine engine, Model model, ModelManifest manifest, ForwardForm form) {
        this.engine = engine;
        this.model = model;
        this.manifest = manifest;
        this.form = form;
    }

    /** Loads an artefact as DJL's block; see {@link #load(ModelArtefact, ComputeEngine, ForwardForm)}. */
    public static InferenceModel load(ModelArtefact artefact, ComputeEngine engine) {
        return load(artefact, engine, ForwardForm.BLOCK);
    }

    /**
     * Loads an artefact on {@code engine}'s device to run in {@code form} and runs one forward pass, so
     * first-call costs are paid before the caller relies on it; native models are closed again if a
     * step fails. For TorchScript the block is loaded first (which checks the parameters), exported, and
     * the export must give the block's probabilities on a fixed probe batch to within
     * {@link #FORM_TOLERANCE}; an export that fails or does not is a fault of the export, logged, and the
     * block is served instead ({@link #form()} says which runs).
     *
     * @throws dev.fmnist.contract.artefacts.ArtefactException when the parameters do not fit the network
     */
    public static InferenceModel load(ModelArtefact artefact, ComputeEngine engine, ForwardForm form) {
        Model model = ArtefactModels.newModel(artefact, engine);
        try {
            InferenceModel block = new InferenceModel(engine, model, artefact.manifest(), ForwardForm.BLOCK);
            block.classify(new float[FashionMnist.PIXELS], 1);
            if (form == ForwardForm.BLOCK) {
                return block;
            }
            InferenceModel scripted = scripted(block);
            if (scripted == null) {
                return block;
            }
            model.close();
            return scripted;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * {@code block} exported to TorchScript, loaded and warmed up, or null (logged) when the export fails
     * or disagrees with the block: a fault of the export, not of the artefact, so the block serves.
     */
    private static InferenceModel scripted(InferenceModel block) {
        ModelManifest manifest = block.manifest;
        String label = manifest.networkSpec().label();
        Model model = block.engine.newModel(label);
        try {
            byte[] archive = TorchScriptExport.archive(
                    Networks.build(manifest.networkSpec(), Initialization.PYTORCH, manifest.hyperParameters().dropout()),
                    block.model.getBlock(), 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE);
            // straight from memory: Model.load(InputStream) would leave a temporary folder per load
            model.setBlock(JniUtils.loadModule((PtNDManager) model.getNDManager(), new ByteArrayInputStream(archive),
                    true, false));
            InferenceModel scripted = new InferenceModel(block.engine, model, manifest, ForwardForm.TORCHSCRIPT);
            float[] probe = new float[PROBE_IMAGES * FashionMnist.PIXELS];
            SplittableRandom random = new SplittableRandom(PROBE_SEED);
            for (int i = 0; i < probe.length; i++) {
                probe[i] = (float) random.nextDouble(-1, 3); // about the scaled pixels' range
            }
            float[][] expected = block.classify(probe, PROBE_IMAGES);
            // libtorch's graph executor profiles the first runs and optimises the graph after them: the
            // pass compared is one of the optimised graph, and the single-image shape is warmed up too
            float[][] actual = null;
            for (int run = 0; run < PROBE_RUNS; run++) {
                actual = scripted.classify(probe, PROBE_IMAGES);
                scripted.classify(probe, 1);
            }
            double difference = maxDifference(expected, actual);
            if (!(difference <= FORM_TOLERANCE)) { // NaN included
                LOG.warn("{} {}: the TorchScript export differs from the block by {} (over {}); serving the block",
                        label, manifest.version(), difference, FORM_TOLERANCE);
                model.close();
                return null;
            }
            return scripted;
        } catch (IOException | RuntimeException e) {
            LOG.warn("{} {}: the TorchScript export did not load ({}); serving the block", label, manifest.version(),
                    e.toString());
            model.close();
            return null;
        }
    }

    /** The largest absolute difference between two sets of class probabilities of the same images. */
    public static double maxDifference(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int c = 0; c < a[i].length; c++) {
                max = Math.max(max, Math.abs(a[i][c] - b[i][c]));
            }
        }
        return max;
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** How this model runs its forward pass. */
    public ForwardForm form() {
        return form;
    }

    /**
     * Class probabilities for {@code count} images of 784 scaled pixels each ({@code Pixels.scale}),
     * one forward pass without gradient recording (of twice the images, with their mirror images, for a
     * model trained with test-time flips); every array of the pass is freed with its manager.
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
            boolean flips = manifest.testTimeFlip();
            NDArray batch = flips ? TestTimeFlip.withMirrors(images) : images;
            // the TorchScript module lays its input out and ends in the softmax itself
            NDArray input = form == ForwardForm.BLOCK ? ChannelsLast.images(batch) : batch;
            NDArray output = model.getBlock().forward(new ParameterStore(manager, false), new NDList(input), false)
                    .singletonOrThrow();
            NDArray probabilities = form == ForwardForm.BLOCK ? output.softmax(1) : output;
            float[] flat = (flips ? TestTimeFlip.meanOfPairs(probabilities, count) : probabilities).toFloatArray();
            float[][] classes = new float[count][FashionMnist.CLASSES];
            for (int i = 0; i < count; i++) {
                System.arraycopy(flat, i * FashionMnist.CLASSES, classes[i], 0, FashionMnist.CLASSES);
            }
            return classes;
        }
    }

    /**
     * Calls of {@link #classify} at {@code batch} images, one after another for {@code seconds} after
     * a second of untimed calls (kernel choice, the JIT), each timed: the raw forward
     * pass that serving adds its queueing, batching and protocol to, and its own spread on this machine.
     * {@code pixels} holds at least {@code batch} images; at most 2^22 passes are timed.
     */
    public PassTimes timePasses(float[] pixels, int batch, double seconds) {
        if (batch < 1 || (long) batch * FashionMnist.PIXELS > pixels.length) {
            throw new IllegalArgumentException("batch: expected 1 to " + pixels.length / FashionMnist.PIXELS
                    + " (the images given), got " + batch);
        }
        if (!(seconds > 0)) {
            throw new IllegalArgumentException("seconds: expected above 0, got " + seconds);
        }
        long warmFrom = System.nanoTime();
        long warmFor = (long) (WARM_UP_SECONDS * NANOS_PER_SECOND);
        do {
            classify(pixels, batch);
        } while (System.nanoTime() - warmFrom < warmFor); // differences of nanoTime only: it may wrap
        long limit = (long) (seconds * NANOS_PER_SECOND);
        long[] took = new long[1024];
        int passes = 0;
        long start = System.nanoTime();
        long now = start;
        do {
            if (passes == took.length) {
                took = Arrays.copyOf(took, passes * 2); // before the clock is read: not counted in a pass
                now = System.nanoTime();
            }
            classify(pixels, batch);
            long end = System.nanoTime();
            took[passes++] = end - now;
            now = end;
        } while (now - start < limit && passes < MAX_TIMED_PASSES);
        long[] sorted = Arrays.copyOf(took, passes);
        Arrays.sort(sorted);
        return new PassTimes(batch, passes, Arrays.stream(sorted).sum() / NANOS_PER_SECOND,
                Percentiles.nearestRank(sorted, 0.5) / NANOS_PER_MS, Percentiles.nearestRank(sorted, 0.99) / NANOS_PER_MS);
    }

    /**
     * {@link #timePasses}' figures: {@code passes} calls of {@code batch} images that took {@code seconds}
     * in all, and their p50 and p99 (nearest rank).
     */
    public record PassTimes(int batch, int passes, double seconds, double p50Ms, double p99Ms) {

        public double imagesPerSecond() {
            return passes * (double) batch / seconds;
        }

        /** The mean pass, in milliseconds. */
        public double meanMs() {
            return seconds * 1000 / passes;
        }
    }

    /** Frees the native model. */
    @Override
    public void close() {
        model.close();
    }
}
