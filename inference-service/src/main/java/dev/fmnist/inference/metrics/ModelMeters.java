package dev.fmnist.inference.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The meters of one served model, under its {@code model} tag: what its batcher and its answers
 * record. Made by {@link ServingMetrics#servedModel}, which owns their names.
 */
public final class ModelMeters {

    private final DistributionSummary batchSizes;
    private final Timer queueWait;
    private final Timer compute;
    private final Counter overloadRejections;
    private final Counter[] predictions;

    ModelMeters(DistributionSummary batchSizes, Timer queueWait, Timer compute, Counter overloadRejections,
            Counter[] predictions) {
        this.batchSizes = batchSizes;
        this.queueWait = queueWait;
        this.compute = compute;
        this.overloadRejections = overloadRejections;
        this.predictions = predictions;
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

    /** A request refused because the queue was full. */
    public void overloaded() {
        overloadRejections.increment();
    }

    /** An answer of class {@code classIndex}. */
    public void predicted(int classIndex) {
        predictions[classIndex].increment();
    }
}
