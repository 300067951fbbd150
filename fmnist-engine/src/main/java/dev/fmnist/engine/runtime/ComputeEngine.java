package dev.fmnist.engine.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The one place that touches DJL's PyTorch engine directly: offline start-up, threads, device choice,
 * versions and grad mode.
 */
public final class ComputeEngine {

    public static final String ENGINE_NAME = "PyTorch";
    private static final String OFFLINE_PROPERTY = "ai.djl.offline";
    private static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    private static final String INTEROP_THREADS_PROPERTY = "ai.djl.pytorch.num_interop_threads";
    /**
     * oneDNN's ISA cap, read by libtorch when it loads. Not set by any launcher: the AVX2 and AVX-512
     * kernels pass {@link ConvolutionCheck} on our machines (README, "Native settings").
     */
    public static final String ONEDNN_ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";

    private ComputeEngine() {}

    /** The ISA cap this process was started with, or "(not set)". */
    public static String oneDnnIsaCap() {
        return System.getenv().getOrDefault(ONEDNN_ISA_VARIABLE, "(not set)");
    }

    /**
     * Sets the intra-op thread count (like torch.set_num_threads) and one inter-op thread; call before
     * the engine's first use for the setting to cover every thread. 0 leaves PyTorch's default.
     */
    public static void configureThreads(int threads) {
        if (threads > 0) {
            System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
            System.setProperty(INTEROP_THREADS_PROPERTY, "1");
        }
    }

    /**
     * The PyTorch engine, loaded from the native jar on the class path. Offline mode is forced so a
     * missing or mismatched native library fails here with a clear message instead of a download.
     */
    public static Engine pytorch() {
        if (System.getProperty(OFFLINE_PROPERTY) == null) {
            System.setProperty(OFFLINE_PROPERTY, "true");
        }
        try {
            return Engine.getEngine(ENGINE_NAME);
        } catch (EngineException | IllegalArgumentException e) {
            throw new IllegalStateException("DJL's PyTorch engine did not start: the pytorch-native jar on the class "
                    + "path must match pytorch-jni exactly (downloads are off). Cause: " + e.getMessage(), e);
        }
    }

    /** The first GPU when DJL sees one, the CPU otherwise. */
    public static Device device() {
        return pytorch().defaultDevice();
    }

    public static String djlVersion() {
        return Engine.getDjlVersion();
    }

    public static String pytorchVersion() {
        return pytorch().getVersion();
    }

    /** The intra-op threads PyTorch uses on this thread. */
    public static int threads() {
        pytorch();
        return JniUtils.getNumThreads();
    }

    /**
     * Turns autograd recording off for the calling thread (PyTorch's grad mode is thread-local and on
     * by default; DJL turns it off only on the thread that loaded the engine). Forward passes outside a
     * GradientCollector then build no graph, as under torch.no_grad().
     */
    public static void disableGradOnThisThread() {
        pytorch();
        JniUtils.setGradMode(false);
    }
}
