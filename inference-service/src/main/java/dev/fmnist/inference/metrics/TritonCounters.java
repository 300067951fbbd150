package dev.fmnist.inference.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Triton's per-request counters of one version of one served model, what the {@code nv_inference_*}
 * series show. Durations are summed in nanoseconds and shown in microseconds. Made, and its series
 * registered, by {@link ServingMetrics}.
 */
public final class TritonCounters {

    final LongAdder success = new LongAdder();
    final LongAdder[] failures = new LongAdder[FailureReason.values().length];
    final LongAdder inferences = new LongAdder();
    final LongAdder executions = new LongAdder();
    final LongAdder requestNanos = new LongAdder();
    final LongAdder queueNanos = new LongAdder();
    final LongAdder computeInferNanos = new LongAdder();
    /** Takes its series off the registry, once this version is no longer kept. */
    private volatile Runnable unregister = () -> { };

    TritonCounters() {
        for (int i = 0; i < failures.length; i++) {
            failures[i] = new LongAdder();
        }
    }

    void unregisterWith(Runnable action) {
        unregister = action;
    }

    void unregister() {
        unregister.run();
    }

    /**
     * One request of {@code images} images answered: it waited {@code queueNanos} in the queue, its
     * batch's forward pass took {@code computeInferNanos} (each request of a batch is charged the
     * whole pass, as Triton does), and {@code requestNanos} passed from its arrival to its answer.
     */
    public void answered(int images, long queueNanos, long computeInferNanos, long requestNanos) {
        success.increment();
        inferences.add(images);
        this.queueNanos.add(queueNanos);
        this.computeInferNanos.add(computeInferNanos);
        this.requestNanos.add(requestNanos);
    }

    /** One forward pass (of however many requests). */
    public void executed() {
        executions.increment();
    }

    /** One request failed, for {@code reason}. */
    public void failed(FailureReason reason) {
        failures[reason.ordinal()].increment();
    }
}
