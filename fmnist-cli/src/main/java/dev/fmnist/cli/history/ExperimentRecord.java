package dev.fmnist.cli.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Resumed;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.Sweep;
import dev.fmnist.contract.experiments.SweepRow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One experiment as its events tell it: what {@code list} and {@code show} print. */
@JsonPropertyOrder({"experimentId", "parentId", "status", "architecture", "epochsDone", "epochs",
    "artefactTestAccuracy", "bestEpochTestAccuracy", "durationSeconds", "queuedAt", "startedAt", "endedAt", "device", "worker", "reason",
    "artefactVersion", "tags", "sweptParameter", "sweptValues", "search", "epochMetrics", "sweep", "reportKey"})
public final class ExperimentRecord {

    /** One finished epoch, 1-based as people count. */
    public record Epoch(int epoch, Double loss, Double trainAccuracy, Double testAccuracy, Double epochSeconds,
            Double imagesPerSecond, Double valAccuracy, Double valLoss) {}

    private final String experimentId;
    /** Everything but the per-epoch list and the worker: the contract's one fold of the events. */
    private ExperimentState state;
    /** The trainer of the last RUNNING event (the state's worker is a claim's holder, not always set). */
    private String worker;
    private final List<Epoch> epochMetrics = new ArrayList<>();

    ExperimentRecord(String experimentId) {
        this.experimentId = experimentId;
        this.state = ExperimentState.of(experimentId);
    }

    void apply(ExperimentEvent event) {
        state = state.next(event);
        if (event instanceof Running running) {
            worker = running.worker();
        } else if (event instanceof Resumed resumed) {
            worker = resumed.worker();
            // the epochs after the checkpoint are trained again: their first figures are no longer the run's
            while (epochMetrics.size() > resumed.epoch()) {
                epochMetrics.remove(epochMetrics.size() - 1);
            }
        } else if (event instanceof ExperimentEvent.Epoch epoch) {
            EventMetrics m = epoch.metrics();
            Epoch figures = new Epoch(epoch.epoch() + 1, m.loss(), m.trainAccuracy(), m.testAccuracy(),
                    m.epochSeconds(), m.imagesPerSecond(), m.valAccuracy(), m.valLoss());
            if (epoch.epoch() < epochMetrics.size()) {
                epochMetrics.set(epoch.epoch(), figures); // trained again (taken over without a checkpoint)
            } else {
                epochMetrics.add(figures);
            }
        }
    }

    public String getExperimentId() {
        return experimentId;
    }

    public String getParentId() {
        return state.parentId();
    }

    public Type getStatus() {
        return state.status();
    }

    public String getArchitecture() {
        return state.networkLabel();
    }

    public Integer getEpochs() {
        return state.epochs();
    }

    public int getEpochsDone() {
        return epochMetrics.size();
    }

    /**
     * The test accuracy of the artefact that was published (the last epoch's weights), or of a sweep's
     * best run; null until it succeeded.
     */
    public Double getArtefactTestAccuracy() {
        return state.artefactTestAccuracy();
    }

    /** The best test accuracy of any epoch, or of any run of a sweep: not necessarily what was published. */
    public Double getBestEpochTestAccuracy() {
        return state.bestTestAccuracy();
    }

    /** Running time so far, or from start to end. */
    @JsonIgnore
    public Duration getDuration() {
        return state.duration();
    }

    public Double getDurationSeconds() {
        Duration d = getDuration();
        return d == null ? null : d.toMillis() / 1000.0;
    }

    /** ISO-8601, as the events carry it. */
    public String getQueuedAt() {
        return state.queuedAt();
    }

    /** ISO-8601, as the events carry it. */
    public String getStartedAt() {
        return state.startedAt();
    }

    /** ISO-8601, as the events carry it. */
    public String getEndedAt() {
        return state.endedAt();
    }

    public String getDevice() {
        return state.device();
    }

    public String getWorker() {
        return worker;
    }

    public String getReason() {
        return state.reason();
    }

    public String getArtefactVersion() {
        return state.artefactVersion();
    }

    public Map<String, String> getTags() {
        return state.tags();
    }

    public List<Epoch> getEpochMetrics() {
        return epochMetrics;
    }

    public List<SweepRow> getSweep() {
        return state.summary();
    }

    /** For a sweep: what it varies (k, learningRate or batchSize). */
    public String getSweptParameter() {
        return state.sweep() == null ? null : state.sweep().parameter();
    }

    /** For a random search: its trials and the options it draws, such as "4 trials over dropout, learningRate". */
    public String getSearch() {
        Sweep sweep = state.sweep();
        return sweep == null || !sweep.isRandom() ? null : sweep.trials() + " trials over "
                + String.join(", ", sweep.space().keySet()) + (sweep.medianStopping() == null ? ""
                        : ", median stopping after " + sweep.medianStopping().minTrials() + " trials");
    }

    /** The sweep as requested; null for a single run. */
    @JsonIgnore
    public Sweep getSweepDefinition() {
        return state.sweep();
    }

    public List<Double> getSweptValues() {
        return state.sweep() == null ? null : state.sweep().values();
    }

    public String getReportKey() {
        return state.reportKey();
    }

    @JsonIgnore
    public boolean isEnded() {
        return state.isEnded();
    }
}
