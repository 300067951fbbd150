package dev.fmnist.inference.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;

/**
 * Every {@code fmnist.*} setting of the inference service, with its default: the one place they are
 * declared and read. Environment variables map as MicroProfile Config says
 * ({@code FMNIST_SERVING_MODELS} is {@code fmnist.serving.models}).
 */
@ConfigMapping(prefix = "fmnist")
public interface InferenceConfig {

    KafkaTopics kafka();

    Serving serving();

    Predictions predictions();

    Live live();

    Policy policy();

    /** {@code value} when it is at least 1; otherwise a start-up error naming the setting. */
    static int atLeastOne(String key, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(key + ": must be at least 1, got " + value);
        }
        return value;
    }

    /** {@code value} when it is within {@code min..max}; otherwise a start-up error naming the setting. */
    static long within(String key, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + ": expected " + min + " to " + max + ", got " + value);
        }
        return value;
    }

    /** Where the project's topics are. */
    interface KafkaTopics {
        /** Topics are {@code PREFIX.models}, ... (the contract's {@code Topic}); the channel uses the same prefix. */
        @WithDefault("fmnist")
        String topicPrefix();
    }

    /** What is served and how much one call may ask. */
    interface Serving {
        /**
         * The models to serve, each the newest artefact of its architecture (or the version it is pinned
         * to on the model-control topic), each its own Open Inference Protocol model: {@code mlp},
         * {@code baseline}, {@code compare-k3} ... {@code compare-k8}, {@code better}, {@code better-bn},
         * {@code speed-bn}, {@code deep-bn}. The first is the
         * one fmnist.v1.Classifier answers when a request names none.
         */
        @WithDefault("better")
        List<String> models();

        /**
         * How each served model runs its forward pass: {@code torchscript} (the network exported as a
         * TorchScript module, one call into libtorch per pass; checked against the block when it loads)
         * or {@code block} (DJL's layers). Model configurations report it as Triton's platform.
         */
        @WithDefault("torchscript")
        String forward();

        /** Per served model, overriding {@link #forward}: {@code fmnist.serving.forward-by-model."better"=block}. */
        java.util.Map<String, String> forwardByModel();

        /** How long RepositoryModelLoad/Unload wait for this replica to apply what they wrote. */
        @WithDefault("30")
        int controlTimeoutSeconds();

        /** A new artefact goes live only with at least this test accuracy; an explicit pin is not held to it. */
        @WithDefault("0")
        double minTestAccuracy();

        /** Most images one ClassifyBatch or ModelInfer may carry. */
        @WithDefault("1024")
        int maxBatch();

        /**
         * Without TLS the service refuses to listen anywhere but loopback, unless this says the network
         * is private (a cluster network behind a TLS-terminating ingress or mesh).
         */
        @WithDefault("false")
        boolean allowPlaintext();

        /**
         * Share of requests a SHADOW challenger scores while its model is busy (other requests in
         * flight): the challenger's own share applies only while the replica is otherwise idle, so a
         * loaded replica gives at most this share of its requests a second forward pass (0 to 1; 0: no
         * shadow scoring under load).
         */
        @WithDefault("0.01")
        double shadowShareUnderLoad();

        /**
         * How long a shadow image may wait for others to share its forward pass (microseconds, 0 to
         * 1 s). Nobody waits for a shadow answer, so shadow images run together instead of each paying a
         * batch-1 pass; they have a queue and a thread of their own in the challenger's batcher, so a
         * client's request to the challenger never waits for them.
         */
        @WithDefault("100000")
        long shadowMaxDelayMicros();

        Batching batching();

        Images images();
    }

    /**
     * Promotion and rollback as policy (package {@code policy}): one replica, elected through the
     * consumer group {@code PREFIX-policy}, compares each model's champion with its challenger and
     * previous champion, and writes what it decides to the model-control topic.
     */
    interface Policy {
        /** Whether the policy decides (bin/up and the deployments turn it on); off, models follow the newest. */
        @WithDefault("false")
        boolean enabled();

        /** How often the elected replica evaluates every served model. */
        @WithDefault("PT5S")
        Duration interval();

        /** N: live accuracy is compared over each version's last N labelled answers (at most 1000). */
        @WithDefault("200")
        int lastLabelled();

        /** Labelled answers each version needs before its live accuracy counts for promotion or rollback. */
        @WithDefault("50")
        int minLabelled();

        /** Share of shadowed requests on which a challenger must agree with the champion to be promoted. */
        @WithDefault("0.9")
        double minAgreement();

        /** Shadowed requests compared with the champion's answers before agreement counts. */
        @WithDefault("200")
        int minShadowed();

        /**
         * Share of requests a new challenger scores in shadow (0 < share <= 1). Each is a second forward
         * pass: a quarter reaches min-shadowed after 4x as many requests and costs a quarter as much
         * (at concurrency 1 on a small machine, a share of 1 slows every answer that follows one).
         */
        @WithDefault("0.25")
        double shadowShare();

        /**
         * Roll the champion back when its last-N accuracy is below the previous champion's by more than
         * this (or below fmnist.live.accuracy-floor); a challenger this much worse is retired.
         */
        @WithDefault("0.05")
        double rollbackMargin();
    }

    /**
     * Live accuracy (dev.fmnist.inference.live): the predictions joined with their feedback labels by a
     * Kafka Streams application shared by the replicas, per model version.
     */
    interface Live {
        /** Runs the live-accuracy stream processor and exports its gauges; off: no gauges, an empty view. */
        @WithDefault("true")
        boolean enabled();

        /** A label counts when it comes within this long of its prediction (before it, too). */
        @WithDefault("PT24H")
        Duration joinWindow();

        /** The live accuracy below which FmnistLiveAccuracyLow fires, exported as fmnist_live_accuracy_floor. */
        @WithDefault("0.8")
        double accuracyFloor();

        /**
         * Where the processor keeps its local state (the join windows, the aggregates); empty: a fresh
         * directory per process, deleted at exit, restored from the changelog topics at start.
         */
        java.util.Optional<String> stateDir();
    }

    /**
     * The prediction log (dev.fmnist.inference.predictions): every answered image, or a sample, recorded
     * on the predictions topic by one producer behind a bounded buffer; and the feedback labels.
     */
    interface Predictions {
        /** Whether answers are recorded at all; feedback is taken either way. */
        @WithDefault("true")
        boolean enabled();

        /** Share of requests recorded (all images of a request, with any shadow answers), 0..1. */
        @WithDefault("1.0")
        double sampleRate();

        /**
         * Whether a record carries the image the model read (784 gray levels). Off by default: the
         * pixels of a user's photo are personal data.
         */
        @WithDefault("false")
        boolean capturePixels();

        /** Per served model, overriding the two settings above: {@code fmnist.predictions.models."better".sample-rate}. */
        java.util.Map<String, ModelPredictions> models();

        /** Records waiting for the producer at most; beyond it they are dropped and counted, never blocking a request. */
        @WithDefault("10000")
        int buffer();

        Feedback feedback();
    }

    /** One served model's overrides of the prediction log's sampling and capture. */
    interface ModelPredictions {
        java.util.Optional<Double> sampleRate();

        java.util.Optional<Boolean> capturePixels();
    }

    /** Feedback labels (gRPC Feedback, REST POST /v2/feedback), written to the feedback topic. */
    interface Feedback {
        /** How long a label waits for the broker's acknowledgement before the call fails UNAVAILABLE (503). */
        @WithDefault("PT10S")
        java.time.Duration timeout();

        /** Labels waiting for the broker at most; beyond it RESOURCE_EXHAUSTED (429) at once. */
        @WithDefault("1000")
        int maxInFlight();
    }

    /** Encoded images (PNG, JPEG): how large they may be and where they are decoded. */
    interface Images {
        /**
         * Widest and tallest image accepted, read from the header before any pixel is decoded; far above
         * honest use (photos of a garment), far below a decompression bomb.
         */
        @WithDefault("4096")
        int maxSide();

        /** Threads that decode and resize images, never the gRPC event loop; 0 = one per core. */
        @WithDefault("0")
        int decodeWorkers();

        /** Requests with images waiting for a decoder at most; beyond that RESOURCE_EXHAUSTED at once. */
        @WithDefault("256")
        int decodeQueueCapacity();
    }

    /** Dynamic batching: concurrent requests share one forward pass. */
    interface Batching {
        /** Images per forward pass at most (a larger single request runs alone). */
        @WithDefault("64")
        int maxBatch();

        /**
         * How long the oldest request may wait for company before its batch runs. 0: take only what is
         * queued already (best latency when idle; under load batches still form while one computes).
         */
        @WithDefault("0")
        long maxDelayMicros();

        /** Requests waiting at most; beyond that RESOURCE_EXHAUSTED at once instead of growing latency. */
        @WithDefault("1024")
        int queueCapacity();

        /**
         * Images waiting at most, over all queued requests (65536 images are 205 MB of floats); beyond
         * that RESOURCE_EXHAUSTED at once. A single request is admitted when nothing waits.
         */
        @WithDefault("65536")
        long maxQueuedImages();

        /** Forward-pass threads; 0 = one per core. */
        @WithDefault("0")
        int workers();

        /** PyTorch threads inside one forward pass: the workers already keep every core busy. */
        @WithDefault("1")
        int threadsPerForward();
    }
}
