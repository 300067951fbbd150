package dev.fmnist.inference.serving;

import dev.fmnist.proto.inference.InferBatchStatistics;
import dev.fmnist.proto.inference.InferStatistics;
import dev.fmnist.proto.inference.ModelStatistics;
import dev.fmnist.proto.inference.StatisticDuration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * One served model's cumulative statistics per version, as Triton's ModelStatistics reports them. The
 * batcher records each measurement once, into these and into its Micrometer timers, so the two agree.
 * Bounded: the last {@value #VERSIONS_KEPT} versions, and batch sizes only up to the largest request.
 */
public final class InferenceStats {

    static final int VERSIONS_KEPT = 16;

    /** A count and its summed duration. */
    static final class Duration {
        private final LongAdder count = new LongAdder();
        private final LongAdder nanos = new LongAdder();

        void add(long ns) {
            count.increment();
            nanos.add(ns);
        }

        StatisticDuration proto() {
            return StatisticDuration.newBuilder().setCount(count.sum()).setNs(nanos.sum()).build();
        }
    }

    /** The figures of one version. */
    static final class Version {
        final LongAdder inferences = new LongAdder();
        final LongAdder executions = new LongAdder();
        final AtomicLong lastInferenceMillis = new AtomicLong();
        final Duration success = new Duration();
        final Duration fail = new Duration();
        final Duration queue = new Duration();
        final Duration computeInput = new Duration();
        final Duration computeInfer = new Duration();
        final Duration computeOutput = new Duration();
        final Map<Integer, Duration[]> batches = new ConcurrentHashMap<>();
    }

    private final String model;
    private final Map<String, Version> versions = new LinkedHashMap<>();

    public InferenceStats(String model) {
        this.model = model;
    }

    synchronized Version version(String version) {
        Version v = versions.get(version);
        if (v == null) {
            if (versions.size() == VERSIONS_KEPT) {
                versions.remove(versions.keySet().iterator().next());
            }
            v = new Version();
            versions.put(version, v);
        }
        return v;
    }

    /** One forward pass of {@code images} images, with its three phases. */
    void execution(String version, int images, long inputNs, long inferNs, long outputNs) {
        Version v = version(version);
        v.executions.increment();
        v.computeInput.add(inputNs);
        v.computeInfer.add(inferNs);
        v.computeOutput.add(outputNs);
        Duration[] batch = v.batches.computeIfAbsent(images, n -> new Duration[] {new Duration(), new Duration(),
            new Duration()});
        batch[0].add(inputNs);
        batch[1].add(inferNs);
        batch[2].add(outputNs);
    }

    /** One request answered: its images, its time queued and its time from arrival to answer. */
    void success(String version, int images, long queueNs, long totalNs) {
        Version v = version(version);
        v.inferences.add(images);
        v.queue.add(queueNs);
        v.success.add(totalNs);
        v.lastInferenceMillis.set(System.currentTimeMillis());
    }

    /** One request that failed after it was addressed to this model ({@code version} may be empty). */
    public void failure(String version, long totalNs) {
        version(version).fail.add(totalNs);
    }

    /** The statistics of {@code version}, or of every version when it is empty, oldest first. */
    public synchronized List<ModelStatistics> report(String version) {
        List<ModelStatistics> out = new ArrayList<>();
        versions.forEach((name, v) -> {
            if (!version.isEmpty() && !version.equals(name)) {
                return;
            }
            ModelStatistics.Builder stats = ModelStatistics.newBuilder().setName(model).setVersion(name)
                    .setLastInference(v.lastInferenceMillis.get()).setInferenceCount(v.inferences.sum())
                    .setExecutionCount(v.executions.sum())
                    .setInferenceStats(InferStatistics.newBuilder().setSuccess(v.success.proto())
                            .setFail(v.fail.proto()).setQueue(v.queue.proto())
                            .setComputeInput(v.computeInput.proto()).setComputeInfer(v.computeInfer.proto())
                            .setComputeOutput(v.computeOutput.proto()));
            v.batches.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> stats.addBatchStats(
                    InferBatchStatistics.newBuilder().setBatchSize(e.getKey()).setComputeInput(e.getValue()[0].proto())
                            .setComputeInfer(e.getValue()[1].proto()).setComputeOutput(e.getValue()[2].proto())));
            out.add(stats.build());
        });
        return out;
    }
}
