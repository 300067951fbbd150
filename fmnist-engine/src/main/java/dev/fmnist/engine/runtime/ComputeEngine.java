package dev.fmnist.engine.runtime;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.pytorch.jni.JniUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
     * oneDNN 3.5.3 (inside libtorch 2.5.1) computes wrong, run-to-run different convolution gradients
     * with its AVX2 and AVX-512 kernels on our AVX-512 machines: NaN within a few steps once a JVM has
     * trained one model. Capped at AVX the kernels are exact and deterministic, about 10% slower. The
     * variable must be in the process environment before libtorch loads, so launchers set it.
     */
    public static final String ONEDNN_ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";
    public static final String ONEDNN_SAFE_ISA = "AVX";

    private static final Logger LOG = LoggerFactory.getLogger(ComputeEngine.class);

    private ComputeEngine() {}

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
            Engine engine = Engine.getEngine(ENGINE_NAME);
            warnOnceAboutOneDnn();
            return engine;
        } catch (EngineException | IllegalArgumentException e) {
            throw new IllegalStateException("DJL's PyTorch engine did not start: the pytorch-native jar on the class "
                    + "path must match pytorch-jni exactly (downloads are off). Cause: " + e.getMessage(), e);
        }
    }

    private static volatile boolean oneDnnChecked;

    private static void warnOnceAboutOneDnn() {
        if (!oneDnnChecked) {
            oneDnnChecked = true;
            if (System.getenv(ONEDNN_ISA_VARIABLE) == null) {
                LOG.warn("{} is not set: libtorch's oneDNN AVX2/AVX-512 convolution kernels gave wrong gradients on "
                        + "AVX-512 CPUs in our tests; start the JVM with {}={} (bin/ scripts and containers do)",
                        ONEDNN_ISA_VARIABLE, ONEDNN_ISA_VARIABLE, ONEDNN_SAFE_ISA);
            }
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
