package dev.fmnist.trainer.metrics;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.engine.util.ProcessMemory;
import dev.fmnist.trainer.checkpoints.Refusal;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * The trainer's Prometheus metrics (served at /q/metrics). Per-experiment gauges are kept for the
 * last {@link #EXPERIMENTS_KEPT} experiments only, so the label set stays bounded.
 */
@ApplicationScoped
public class TrainerMetrics {

    static final int EXPERIMENTS_KEPT = 20;
    /** Histogram range for epoch durations: an MLP epoch on a subset up to a long GPU-less epoch. */
    private static final Duration MIN_EPOCH = Duration.ofMillis(100);
    private static final Duration MAX_EPOCH = Duration.ofHours(2);
    static final String EXPERIMENTS = "fmnist.experiments";
    static final String CHECKPOINTS_REFUSED = "fmnist.trainer.checkpoints.refused";
    static final String CHECKPOINTS_WRITTEN = "fmnist.trainer.checkpoints.written";
    static final String CHECKPOINT_BYTES = "fmnist.trainer.checkpoints.written.bytes";
    static final String CHECKPOINTS_FAILED = "fmnist.trainer.checkpoints.failed";
    static final String RESUMES = "fmnist.trainer.resumes";
    static final String STATE_RECORDS_REFUSED = "fmnist.trainer.state.records.refused";
    static final String PARKED_OVERFLOW = "fmnist.trainer.parked.overflow";
    /** The architecture label of an experiment that names none (a REJECTED request describes nothing). */
    static final String UNKNOWN_ARCHITECTURE = "unknown";

    @Inject
    MeterRegistry registry;

    /** What the running experiment is doing; null fields when idle. */
    private record Progress(String experimentId, String architecture, int epoch, int epochs, double ratio) {}

    private final AtomicReference<Progress> progress = new AtomicReference<>();
    private final AtomicReference<String> device = new AtomicReference<>("none");
    /** Oldest first: each experiment's gauges, removed from the registry when it falls out. */
    private final Deque<Map.Entry<String, List<Gauge>>> experimentGauges = new ArrayDeque<>();
    private final Map<String, EpochMetrics> lastEpoch = new ConcurrentHashMap<>();
    private volatile double imagesPerSecond;

    @PostConstruct
    void register() {
        Gauge.builder("fmnist.training.running", progress, p -> p.get() == null ? 0 : 1)
                .description("1 while an experiment trains").register(registry);
        Gauge.builder("fmnist.training.epoch", progress, p -> p.get() == null ? 0 : p.get().epoch())
                .description("epoch the running experiment is in (1-based)").register(registry);
        Gauge.builder("fmnist.training.progress.ratio", progress, p -> p.get() == null ? 0 : p.get().ratio())
                .description("share of the running experiment's batches done").register(registry);
        Gauge.builder("fmnist.training.images.per.second", this, m -> m.imagesPerSecond)
                .description("training throughput of the last epoch").register(registry);
        Gauge.builder("fmnist.process.resident.memory", ProcessMemory::rssBytes).baseUnit("bytes")
                .description("resident set size, native memory included").register(registry);
        registerCheckpoints();
        // every status an experiment can end with, for every architecture, at 0 from the start: increase()
        // then counts an experiment's first end, which it cannot for a series that appears at 1
        for (ExperimentEvent.Type type : ExperimentEvent.Type.values()) {
            if (type.isTerminal()) {
                experiments(type, UNKNOWN_ARCHITECTURE);
                for (Architecture architecture : Architecture.values()) {
                    experiments(type, architecture.id());
                }
            }
        }
        for (StateTable.Refusal reason : StateTable.Refusal.values()) {
            stateRecordsRefused(reason);
        }
        Counter.builder(PARKED_OVERFLOW).description("requests waited on because the parked set was full")
                .register(registry);
    }

    private Counter stateRecordsRefused(StateTable.Refusal reason) {
        return Counter.builder(STATE_RECORDS_REFUSED)
                .description("records on the experiment-state topic refused: unreadable, under a wrong key, or an "
                        + "end the experiment's holder did not write")
                .tag("reason", reason.label()).register(registry);
    }

    /** A record on the state topic that this trainer refused. */
    public void stateRecordRefused(StateTable.Refusal reason) {
        stateRecordsRefused(reason).increment();
    }

    /** The parked requests' count, read when scraped. */
    public void parkedRequests(IntSupplier count) {
        Gauge.builder("fmnist.trainer.parked.requests", count::getAsInt)
                .description("requests parked un-acked while another trainer holds their experiment")
                .register(registry);
    }

    /** A request waited on (head-of-line) because the parked set was full. */
    public void parkedOverflow() {
        registry.counter(PARKED_OVERFLOW).increment();
    }

    /** The checkpoint counters, at 0 from the start like the others. */
    private void registerCheckpoints() {
        for (Refusal reason : Refusal.values()) {
            checkpointsRefused(reason);
        }
        Counter.builder(CHECKPOINTS_WRITTEN).description("checkpoints written to the checkpoints topic")
                .register(registry);
        Counter.builder(CHECKPOINT_BYTES).baseUnit("bytes").description("bytes of the checkpoints written")
                .register(registry);
        Counter.builder(CHECKPOINTS_FAILED).description("checkpoints not written (the run goes on)")
                .register(registry);
        Counter.builder(RESUMES).description("runs resumed from a checkpoint instead of epoch 0").register(registry);
    }

    private Counter checkpointsRefused(Refusal reason) {
        return Counter.builder(CHECKPOINTS_REFUSED)
                .description("stored checkpoints not resumed from (the run started from epoch 0), by reason")
                .tag("reason", reason.label()).register(registry);
    }

    /** A checkpoint of {@code bytes} written. */
    public void checkpointWritten(long bytes) {
        registry.counter(CHECKPOINTS_WRITTEN).increment();
        registry.counter(CHECKPOINT_BYTES).increment(bytes);
    }

    /** A checkpoint that could not be written. */
    public void checkpointFailed() {
        registry.counter(CHECKPOINTS_FAILED).increment();
    }

    /** A stored checkpoint refused. */
    public void checkpointRefused(Refusal reason) {
        checkpointsRefused(reason).increment();
    }

    /** A run resumed from its checkpoint. */
    public void resumed() {
        registry.counter(RESUMES).increment();
    }

    private Counter experiments(ExperimentEvent.Type status, String architecture) {
        return Counter.builder(EXPERIMENTS).description("experiments ended, by terminal status")
                .tag("status", status.name().toLowerCase(Locale.ROOT)).tag("architecture", architecture)
                .register(registry);
    }

    public void trainingStarted(ExperimentRequest request, String deviceName, int batchesPerEpoch) {
        progress.set(new Progress(request.experimentId(), request.network().architecture().id(), 1,
                request.hyperParameters().epochs(), 0));
        if (!deviceName.equals(device.getAndSet(deviceName))) {
            Gauge.builder("fmnist.trainer.device", () -> 1).tag("device", deviceName)
                    .description("device the trainer computes on (value 1)").register(registry);
        }
    }

    public void batchDone(int epoch, int batch, int batchesPerEpoch) {
        progress.updateAndGet(p -> p == null ? null : new Progress(p.experimentId(), p.architecture(), epoch + 1,
                p.epochs(), (epoch + (double) batch / batchesPerEpoch) / p.epochs()));
    }

    public void epochDone(ExperimentRequest request, EpochMetrics m) {
        String architecture = request.network().architecture().id();
        imagesPerSecond = m.imagesPerSecond();
        Timer.builder("fmnist.training.epoch.duration").tag("architecture", architecture)
                .description("training time of an epoch, evaluation excluded")
                .publishPercentileHistogram()
                .minimumExpectedValue(MIN_EPOCH).maximumExpectedValue(MAX_EPOCH).register(registry)
                .record(Duration.ofNanos((long) (m.trainSeconds() * 1e9)));
        Tags tags = Tags.of("architecture", architecture, "experiment", request.experimentId());
        if (m.epoch() == 0) {
            List<Gauge> gauges = List.of(
                    Gauge.builder("fmnist.training.last.loss", () -> lastOf(request, "loss")).tags(tags)
                            .register(registry),
                    Gauge.builder("fmnist.training.last.train.accuracy", () -> lastOf(request, "train")).tags(tags)
                            .register(registry),
                    Gauge.builder("fmnist.training.last.test.accuracy", () -> lastOf(request, "test")).tags(tags)
                            .register(registry));
            synchronized (experimentGauges) {
                experimentGauges.addLast(Map.entry(request.experimentId(), gauges));
                while (experimentGauges.size() > EXPERIMENTS_KEPT) {
                    Map.Entry<String, List<Gauge>> oldest = experimentGauges.removeFirst();
                    oldest.getValue().forEach(registry::remove);
                    lastEpoch.remove(oldest.getKey());
                }
            }
        }
        lastEpoch.put(request.experimentId(), m);
    }

    private double lastOf(ExperimentRequest request, String which) {
        EpochMetrics m = lastEpoch.get(request.experimentId());
        if (m == null) {
            return Double.NaN;
        }
        return switch (which) {
            case "loss" -> m.loss();
            case "train" -> m.trainAccuracy();
            default -> m.testAccuracy();
        };
    }

    public void trainingEnded() {
        progress.set(null);
    }

    public void experimentEnded(Terminal terminal) {
        String architecture = terminal.subject().architecture();
        experiments(terminal.type(), architecture == null ? UNKNOWN_ARCHITECTURE : architecture).increment();
    }

    public void duplicateSkipped() {
        registry.counter("fmnist.requests.duplicate").increment();
    }

    public void badControlMessage() {
        registry.counter("fmnist.control.messages.invalid").increment();
    }
}
