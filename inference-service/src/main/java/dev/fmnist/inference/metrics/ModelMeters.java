package dev.fmnist.inference.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The meters of one served model, under its {@code model} tag: what its batcher and its answers
 * record, and Triton's counters per version ({@link TritonCounters}). Made by
 * {@link ServingMetrics#servedModel}, which owns their names.
 */
public final class ModelMeters {

    /** Triton's series are kept for this many versions, the least recently used dropped first. */
    static final int VERSIONS_KEPT = 16;

    private final DistributionSummary batchSizes;
    private final Timer queueWait;
    private final Timer compute;
    private final Counter overloadRejections;
    private final Counter[] predictions;
    /** Registers the series of a version seen for the first time. */
    private final Function<String, TritonCounters> register;
    private final Map<String, TritonCounters> versions = new LinkedHashMap<>(VERSIONS_KEPT, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, TritonCounters> eldest) {
            if (size() <= VERSIONS_KEPT) {
                return false;
            }
            eldest.getValue().unregister();
            return true;
        }
    };

    ModelMeters(DistributionSummary batchSizes, Timer queueWait, Timer compute, Counter overloadRejections,
            Counter[] predictions, Function<String, TritonCounters> register) {
        this.batchSizes = batchSizes;
        this.queueWait = queueWait;
        this.compute = compute;
        this.overloadRejections = overloadRejections;
        this.predictions = predictions;
        this.register = register;
    }

    /** Triton's counters of {@code version} (non-empty), registered at 0 the first time it is named. */
    public synchronized TritonCounters version(String version) {
        if (version.isEmpty()) {
            throw new IllegalArgumentException("a version has a name");
        }
        return versions.computeIfAbsent(version, register);
    }

    /** A request to {@code version} failed for {@code reason}; with no version live there is no series to count it. */
    public void failed(String version, FailureReason reason) {
        if (!version.isEmpty()) {
            version(version).failed(reason);
        }
    }

    /** A request waited {@code nanos} from arrival to its forward pass. */
    public void queued(long nanos) {
        queueWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** One forward pass of {@code images} images took {@code nanos}. */
    public void computed(int images, long nanos) {
        compute.record(nanos, TimeUnit.NANOSECONDS);
        batchSizes.record(images);
    }

    /** A request to {@code version} (empty: none live) refused because the queue was full. */
    public void overloaded(String version) {
        overloadRejections.increment();
        failed(version, FailureReason.REJECTED);
    }

    /** An answer of class {@code classIndex}. */
    public void predicted(int classIndex) {
        predictions[classIndex].increment();
    }
}
