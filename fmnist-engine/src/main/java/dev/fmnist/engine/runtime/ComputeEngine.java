package dev.fmnist.engine.runtime;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DJL's PyTorch engine on one device: the one object that touches the engine directly (start-up, threads,
 * device, versions, grad mode). Made once by whoever runs the engine (the services produce it as a bean,
 * the local commands from their {@code --threads}, the tests for themselves) and handed to the classes
 * that compute: nothing in the engine module looks the device up on its own.
 */
public final class ComputeEngine {

    public static final String ENGINE_NAME = "PyTorch";
    /**
     * oneDNN's ISA cap, read by libtorch when it loads. The launchers set it per CPU (bin/onednn-isa):
     * the widest ISA whose kernels pass {@link ConvolutionCheck}, none where all do
     * (docs/operating/native-settings.md, "oneDNN's kernels").
     */
    public static final String ONEDNN_ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";

    private static final Logger LOG = LoggerFactory.getLogger(ComputeEngine.class);
    private static final String OFFLINE_PROPERTY = "ai.djl.offline";
    private static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    private static final String INTEROP_THREADS_PROPERTY = "ai.djl.pytorch.num_interop_threads";

    private final Engine engine;
    private final Device device;

    private ComputeEngine(Engine engine, Device device) {
        this.engine = engine;
        this.device = device;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The device arrays and models are made on: the first GPU when DJL sees one, unless the builder chose. */
    public Device device() {
        return device;
    }

    /** The same native engine on the CPU, whatever this one's device: for work that must run on the CPU. */
    public ComputeEngine onCpu() {
        return device.equals(Device.cpu()) ? this : new ComputeEngine(engine, Device.cpu());
    }

    /** A new root manager on this device; the caller closes it. */
    public NDManager newManager() {
        return engine.newBaseManager(device);
    }

    /** A new empty model on this device; the caller closes it. */
    public Model newModel(String name) {
        return Model.newInstance(name, device, ENGINE_NAME);
    }

    public GradientCollector newGradientCollector() {
        return engine.newGradientCollector();
    }

    /** Seeds torch's generator, which draws initial weights and dropout masks. */
    public void setRandomSeed(int seed) {
        engine.setRandomSeed(seed);
    }

    /**
     * Turns autograd recording off for the calling thread (PyTorch's grad mode is thread-local and on
     * by default; DJL turns it off only on the thread that loaded the engine). Forward passes outside a
     * GradientCollector then build no graph, as under torch.no_grad().
     */
    public void disableGradOnThisThread() {
        JniUtils.setGradMode(false);
    }

    /** The intra-op threads PyTorch uses on this thread. */
    public int threads() {
        return JniUtils.getNumThreads();
    }

    public String djlVersion() {
        return Engine.getDjlVersion();
    }

    public String pytorchVersion() {
        return engine.getVersion();
    }

    /** The ISA cap this process was started with, or "(not set)". */
    public String oneDnnIsaCap() {
        return System.getenv().getOrDefault(ONEDNN_ISA_VARIABLE, "(not set)");
    }

    @Override
    public String toString() {
        return ENGINE_NAME + " " + pytorchVersion() + " on " + device;
    }

    /** How to start the engine; every option has a default. */
    public static final class Builder {

        private int threads;
        private Device device;

        private Builder() {}

        /**
         * PyTorch's intra-op threads (like torch.set_num_threads), with one inter-op thread; 0, the
         * default, leaves PyTorch's choice (one per core).
         */
        public Builder optThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads: must be 0 (PyTorch's default) or more, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** The device to compute on; by default the engine's (the first GPU when DJL sees one, the CPU otherwise). */
        public Builder optDevice(Device device) {
            this.device = device;
            return this;
        }

        /**
         * Loads the engine from the native jar on the class path, or fails with a clear message: a missing
         * or mismatched native library fails here instead of starting a download.
         */
        public ComputeEngine build() {
            Engine engine = NativeLibrary.engine(threads);
            return new ComputeEngine(engine, device == null ? engine.defaultDevice() : device);
        }
    }

    /**
     * What is truly process-wide, and so set here once, when the first engine of the process loads:
     * DJL reads its settings from system properties, and libtorch applies the thread counts when it
     * loads (the inter-op pool can be sized only before its first use, and the intra-op setting
     * reaches every thread only when made before the first parallel region). A later engine shares
     * the loaded library and so its threads.
     */
    private static final class NativeLibrary {

        private static int loadedThreads = -1;

        private NativeLibrary() {}

        static synchronized Engine engine(int threads) {
            if (loadedThreads < 0) {
                if (System.getProperty(OFFLINE_PROPERTY) == null) {
                    System.setProperty(OFFLINE_PROPERTY, "true"); // the native jar is on the class path: no downloads
                }
                if (threads > 0) {
                    System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
                    System.setProperty(INTEROP_THREADS_PROPERTY, "1");
                }
            } else if (threads > 0 && threads != loadedThreads) {
                LOG.warn("PyTorch was loaded with {} threads in this process; {} asked now cannot apply",
                        loadedThreads == 0 ? "its default" : loadedThreads, threads);
            }
            try {
                Engine engine = Engine.getEngine(ENGINE_NAME);
                if (loadedThreads < 0) {
                    loadedThreads = threads;
                }
                return engine;
            } catch (EngineException | IllegalArgumentException e) {
                throw new IllegalStateException("DJL's PyTorch engine did not start: the pytorch-native jar on the "
                        + "class path must match pytorch-jni exactly (downloads are off). Cause: " + e.getMessage(), e);
            }
        }
    }
}
