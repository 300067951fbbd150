package dev.fmnist.cli.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.SweepRow;
import dev.fmnist.contract.networks.NetworkSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One experiment as its events tell it: what {@code list} and {@code show} print. */
@JsonPropertyOrder({"experimentId", "parentId", "status", "architecture", "epochsDone", "epochs",
    "bestTestAccuracy", "durationSeconds", "queuedAt", "startedAt", "endedAt", "device", "worker", "reason",
    "artefactVersion", "tags", "sweptParameter", "sweptValues", "epochMetrics", "sweep", "reportKey"})
public final class ExperimentRecord {

    /** One finished epoch, 1-based as people count. */
    public record Epoch(int epoch, Double loss, Double trainAccuracy, Double testAccuracy, Double epochSeconds,
            Double imagesPerSecond) {}

    private final String experimentId;
    private String parentId;
    private Type status;
    private String architecture;
    private Integer epochs;
    private Map<String, String> tags;
    private Instant queuedAt;
    private Instant startedAt;
    private Instant endedAt;
    private String device;
    private String worker;
    private String reason;
    private String artefactVersion;
    private Double finalTestAccuracy;
    private final List<Epoch> epochMetrics = new ArrayList<>();
    private List<SweepRow> sweep;
    private String sweptParameter;
    private List<Double> sweptValues;
    private String reportKey;

    ExperimentRecord(String experimentId) {
        this.experimentId = experimentId;
    }

    void apply(ExperimentEvent event) {
        Instant at = event.at() == null ? null : Instant.parse(event.at());
        if (event.parentId() != null) {
            parentId = event.parentId();
        }
        if (event.networkLabel() != null) {
            architecture = event.networkLabel();
        }
        if (event.epochs() != null) {
            epochs = event.epochs();
        }
        if (event.tags() != null) {
            tags = event.tags();
        }
        if (event.sweep() != null) {
            sweptParameter = event.sweep().parameter();
            sweptValues = event.sweep().values();
        }
        switch (event.type()) {
            case QUEUED -> {
                queuedAt = at;
                status = status == null ? Type.QUEUED : status;
            }
            case RUNNING -> {
                startedAt = at;
                device = event.device();
                worker = event.worker();
                status = Type.RUNNING;
            }
            case PROGRESS -> { } // only watch draws these; a record keeps finished epochs
            case EPOCH -> {
                EventMetrics m = event.metrics();
                epochMetrics.add(new Epoch(event.epoch() + 1, m.loss(), m.trainAccuracy(), m.testAccuracy(),
                        m.epochSeconds(), m.imagesPerSecond()));
            }
            case SWEEP_SUMMARY -> {
                sweep = event.summary();
                reportKey = event.reportKey();
            }
            case SUCCEEDED, FAILED, CANCELLED, REJECTED -> {
                status = event.type();
                endedAt = at;
                reason = event.reason();
                artefactVersion = event.artefactVersion();
                if (event.metrics() != null) {
                    finalTestAccuracy = event.metrics().testAccuracy();
                }
                if (queuedAt == null) {
                    queuedAt = at;
                }
            }
        }
    }

    public String getExperimentId() {
        return experimentId;
    }

    public String getParentId() {
        return parentId;
    }

    public Type getStatus() {
        return status;
    }

    public String getArchitecture() {
        return architecture;
    }

    public Integer getEpochs() {
        return epochs;
    }

    public int getEpochsDone() {
        return epochMetrics.size();
    }

    /** The best test accuracy of any epoch, or of any run of a sweep. */
    public Double getBestTestAccuracy() {
        Double best = finalTestAccuracy;
        for (Epoch e : epochMetrics) {
            if (e.testAccuracy() != null && (best == null || e.testAccuracy() > best)) {
                best = e.testAccuracy();
            }
        }
        if (sweep != null) {
            for (SweepRow row : sweep) {
                if (row.testAccuracy() != null && (best == null || row.testAccuracy() > best)) {
                    best = row.testAccuracy();
                }
            }
        }
        return best;
    }

    /** Running time so far, or from start to end. */
    @JsonIgnore
    public Duration getDuration() {
        Instant from = startedAt != null ? startedAt : queuedAt;
        if (from == null) {
            return null;
        }
        return Duration.between(from, endedAt != null ? endedAt : Instant.now());
    }

    public Double getDurationSeconds() {
        Duration d = getDuration();
        return d == null ? null : d.toMillis() / 1000.0;
    }

    /** When it was queued (or ended, for a request rejected outright); for ordering. */
    @JsonIgnore
    public Instant queuedInstant() {
        return queuedAt;
    }

    /** ISO-8601, as the events carry it. */
    public String getQueuedAt() {
        return queuedAt == null ? null : queuedAt.toString();
    }

    /** ISO-8601, as the events carry it. */
    public String getStartedAt() {
        return startedAt == null ? null : startedAt.toString();
    }

    /** ISO-8601, as the events carry it. */
    public String getEndedAt() {
        return endedAt == null ? null : endedAt.toString();
    }

    public String getDevice() {
        return device;
    }

    public String getWorker() {
        return worker;
    }

    public String getReason() {
        return reason;
    }

    public String getArtefactVersion() {
        return artefactVersion;
    }

    public Map<String, String> getTags() {
        return tags;
    }

    public List<Epoch> getEpochMetrics() {
        return epochMetrics;
    }

    public List<SweepRow> getSweep() {
        return sweep;
    }

    /** For a sweep: what it varies (k, learningRate or batchSize). */
    public String getSweptParameter() {
        return sweptParameter;
    }

    public List<Double> getSweptValues() {
        return sweptValues;
    }

    public String getReportKey() {
        return reportKey;
    }

    @JsonIgnore
    public boolean isEnded() {
        return status != null && status.isTerminal();
    }
}
