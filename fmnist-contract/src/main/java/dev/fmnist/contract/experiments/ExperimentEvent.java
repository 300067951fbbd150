package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.fmnist.contract.networks.NetworkSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One record of {@code fmnist.experiment-events}, keyed by experiment id. Fields a type does not use
 * are left out of the JSON.
 *
 * @param type the lifecycle step
 * @param experimentId the experiment (a sweep child's id is its parent's plus {@code /k=3})
 * @param parentId the sweep's id, for a child
 * @param at ISO-8601 instant
 * @param architecture registry name, with {@code k} where it applies
 * @param k kernel size option
 * @param tags the request's tags
 * @param sweep a sweep's QUEUED and terminal events: the parameter and its values
 * @param device RUNNING: where it trains
 * @param worker RUNNING: which trainer process
 * @param epoch EPOCH and PROGRESS: 0-based epoch
 * @param epochs planned epochs
 * @param batch PROGRESS: batches done in this epoch
 * @param batches PROGRESS: batches per epoch
 * @param metrics EPOCH and SUCCEEDED: the epoch's figures; PROGRESS: images per second so far in this epoch
 * @param artefactVersion SUCCEEDED: the version of the artefact on {@code fmnist.models}
 * @param reason FAILED, CANCELLED, REJECTED: what happened
 * @param field REJECTED: the request field at fault
 * @param rule REJECTED: the rule it broke
 * @param summary SWEEP_SUMMARY: one row per child
 * @param reportKey SWEEP_SUMMARY: key of the plot on {@code fmnist.reports}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExperimentEvent(
        Type type,
        String experimentId,
        String parentId,
        String at,
        String architecture,
        Integer k,
        Map<String, String> tags,
        Sweep sweep,
        String device,
        String worker,
        Integer epoch,
        Integer epochs,
        Integer batch,
        Integer batches,
        EventMetrics metrics,
        String artefactVersion,
        String reason,
        String field,
        String rule,
        List<SweepRow> summary,
        String reportKey) {

    /** The network's label ({@code better}, {@code compare(k=3)}), as the artefact's key on the models topic; null when the event names none. */
    @JsonIgnore
    public String networkLabel() {
        return architecture == null ? null : NetworkSpec.label(architecture, k);
    }

    /** The event as it goes on the topic. */
    public byte[] toJson() {
        return ContractJson.write(this);
    }

    /** The event as {@link #toJson} wrote it, as a string. */
    public String toJsonString() {
        return new String(toJson(), StandardCharsets.UTF_8);
    }

    /** Reads an event from the topic; a record that is not one is an {@link IllegalArgumentException}. */
    public static ExperimentEvent parse(byte[] json) {
        return ContractJson.read(json, ExperimentEvent.class);
    }

    /** Starts an event of {@code type} for {@code experimentId}, stamped now. */
    public static Builder builder(Type type, String experimentId) {
        return new Builder(type, experimentId);
    }

    /** Builds events field by field; unset fields stay out of the JSON. */
    public static final class Builder {
        private final Type type;
        private final String experimentId;
        private String parentId;
        private String architecture;
        private Integer k;
        private Map<String, String> tags;
        private Sweep sweep;
        private String device;
        private String worker;
        private Integer epoch;
        private Integer epochs;
        private Integer batch;
        private Integer batches;
        private EventMetrics metrics;
        private String artefactVersion;
        private String reason;
        private String field;
        private String rule;
        private List<SweepRow> summary;
        private String reportKey;

        private Builder(Type type, String experimentId) {
            this.type = type;
            this.experimentId = experimentId;
        }

        /** Parent, network and tags of a request. */
        public Builder request(ExperimentRequest request, String parentId) {
            this.parentId = parentId;
            this.tags = request.tags().isEmpty() ? null : request.tags();
            this.sweep = request.sweep();
            this.epochs = request.hyperParameters().epochs();
            return network(request.network());
        }

        /** Parent, network, tags and sweep as a state records them: for events written from state alone. */
        public Builder state(ExperimentState state) {
            this.parentId = state.parentId();
            this.tags = state.tags();
            this.sweep = state.sweep();
            this.epochs = state.epochs();
            this.architecture = state.architecture();
            this.k = state.k();
            return this;
        }

        /** The network and its options: the one place an event learns them. */
        public Builder network(NetworkSpec network) {
            this.architecture = network.architecture().id();
            this.k = network.k();
            return this;
        }

        public Builder device(String device, String worker) {
            this.device = device;
            this.worker = worker;
            return this;
        }

        public Builder epoch(int epoch, EventMetrics metrics) {
            this.epoch = epoch;
            this.metrics = metrics;
            return this;
        }

        /** PROGRESS: where the epoch stands. */
        public Builder progress(int epoch, int batch, int batches, double imagesPerSecond) {
            this.epoch = epoch;
            this.batch = batch;
            this.batches = batches;
            this.metrics = EventMetrics.progress(imagesPerSecond);
            return this;
        }

        public Builder metrics(EventMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder artefactVersion(String artefactVersion) {
            this.artefactVersion = artefactVersion;
            return this;
        }

        public Builder reason(String reason) {
            this.reason = reason;
            return this;
        }

        public Builder rejected(String field, String rule) {
            this.field = field;
            this.rule = rule;
            this.reason = field + ": " + rule;
            return this;
        }

        public Builder summary(List<SweepRow> summary, String reportKey) {
            this.summary = List.copyOf(summary);
            this.reportKey = reportKey;
            return this;
        }

        public ExperimentEvent build() {
            return new ExperimentEvent(type, experimentId, parentId, Instant.now().toString(), architecture,
                    k, tags, sweep, device, worker, epoch, epochs, batch, batches, metrics, artefactVersion, reason, field, rule, summary,
                    reportKey);
        }
    }

    /**
     * The lifecycle; SUCCEEDED, FAILED, CANCELLED and REJECTED end an experiment, exactly one of them
     * per experiment. PROGRESS comes every few seconds within an epoch, for live progress bars.
     */
    public enum Type {
        QUEUED, RUNNING, PROGRESS, EPOCH, SUCCEEDED, FAILED, CANCELLED, REJECTED, SWEEP_SUMMARY;

        public boolean isTerminal() {
            return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == REJECTED;
        }
    }
}
