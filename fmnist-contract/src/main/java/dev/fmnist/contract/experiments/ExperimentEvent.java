package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.databind.annotation.JsonTypeIdResolver;
import dev.fmnist.contract.networks.NetworkSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * One record of {@code fmnist.experiment-events}, keyed by experiment id: one record type per kind of
 * event, each with the fields that kind carries, required ones non-null. On the topic every kind is
 * one flat JSON object whose {@code type} names the kind, fields not set left out, as
 * {@code experiment-event.schema.json} in this jar ({@link dev.fmnist.contract.schemas.ContractSchema})
 * says; readers tell the kinds apart by their record type ({@code if (event instanceof Epoch e)}).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CUSTOM, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonTypeIdResolver(EventTypeIds.class)
public sealed interface ExperimentEvent {

    /** The kind of event: what {@code type} says on the topic. */
    Type type();

    /** The experiment (a sweep child's id is its parent's plus {@code /k=3}). */
    String experimentId();

    /** ISO-8601 instant the event was written. */
    String at();

    /** The experiment as its request describes it; {@link Subject#NONE} for a REJECTED body, which describes nothing. */
    Subject subject();

    /** The network's label ({@code better}, {@code compare(k=3)}); null when the event names none. */
    default String networkLabel() {
        return subject().networkLabel();
    }

    /** The event as it goes on the topic. */
    default byte[] toJson() {
        return ContractJson.write(this);
    }

    /** The event as {@link #toJson} wrote it, as a string. */
    default String toJsonString() {
        return new String(toJson(), StandardCharsets.UTF_8);
    }

    /** Reads an event from the topic; a record that is not one (an unknown type, a bad or missing field) is an {@link IllegalArgumentException}. */
    static ExperimentEvent parse(byte[] json) {
        return ContractJson.read(json, ExperimentEvent.class);
    }

    /**
     * What every event but REJECTED says about its experiment, as its request (or its state) has it;
     * on the topic its fields sit beside the event's own.
     *
     * @param parentId the sweep's id, for a sweep child
     * @param architecture registry name
     * @param k kernel size option, where it applies
     * @param epochs planned epochs
     * @param tags the request's tags; null when it has none
     * @param sweep a sweep's parameter and values, or its random search
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Subject(String parentId, String architecture, Integer k, Integer epochs, Map<String, String> tags,
            Sweep sweep) {

        /** Nothing known: a REJECTED body's, or a test's. */
        public static final Subject NONE = new Subject(null, null, null, null, null, null);

        /** A request's: its parent (null for none), network, planned epochs, tags and sweep. */
        public static Subject of(ExperimentRequest request, String parentId) {
            NetworkSpec network = request.network();
            return new Subject(parentId, network.architecture().id(), network.k(), request.hyperParameters().epochs(),
                    request.tags().isEmpty() ? null : request.tags(), request.sweep());
        }

        /** As a state records it: for events written from the state alone (a sweep's summary and end). */
        public static Subject of(ExperimentState state) {
            return new Subject(state.parentId(), state.architecture(), state.k(), state.epochs(), state.tags(),
                    state.sweep());
        }

        /** The network's label ({@code better}, {@code compare(k=3)}); null when none is named. */
        public String networkLabel() {
            return architecture == null ? null : NetworkSpec.label(architecture, k);
        }
    }

    /** The four kinds that end an experiment, exactly one of them per experiment. */
    sealed interface Terminal extends ExperimentEvent {
        /** Why it ended so; for SUCCEEDED, why a rule stopped it before its planned epochs (null when none did). */
        String reason();
    }

    /** Taken by a trainer (or queued as a sweep's child): the experiment exists. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Queued(String experimentId, String at, @JsonUnwrapped Subject subject) implements ExperimentEvent {
        public Queued {
            checkCommon(experimentId, at);
            subject = orNone(subject);
        }

        public static Queued of(String experimentId, Subject subject) {
            return new Queued(experimentId, now(), subject);
        }

        @Override
        public Type type() {
            return Type.QUEUED;
        }
    }

    /**
     * Training started (a sweep: its children were queued).
     *
     * @param device where it trains, as the engine names it ({@code cpu()}, {@code gpu(0)}); {@code sweep} for a sweep
     * @param worker which trainer process
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Running(String experimentId, String at, @JsonUnwrapped Subject subject, String device, String worker)
            implements ExperimentEvent {
        /** The device of a sweep's own RUNNING: the sweep computes nothing itself, it queues its runs. */
        public static final String SWEEP_DEVICE = "sweep";

        public Running {
            checkCommon(experimentId, at);
            subject = orNone(subject);
            required(device, "device");
            required(worker, "worker");
        }

        public static Running of(String experimentId, Subject subject, String device, String worker) {
            return new Running(experimentId, now(), subject, device, worker);
        }

        @Override
        public Type type() {
            return Type.RUNNING;
        }
    }

    /**
     * A run continues from its last checkpoint instead of from epoch 0 (it was taken over, or its
     * trainer restarted): follows the RUNNING of the trainer that resumed it. The epochs before
     * {@code epoch} are not trained again and their EPOCH events are not written again.
     *
     * @param epoch epochs finished before the checkpoint: the 0-based epoch training continues in
     * @param batch batches of that epoch done before the checkpoint; 0 for a checkpoint at an epoch's end
     * @param worker which trainer process resumed it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Resumed(String experimentId, String at, @JsonUnwrapped Subject subject,
            @JsonProperty(required = true) int epoch, @JsonProperty(required = true) int batch, String worker)
            implements ExperimentEvent {
        public Resumed {
            checkCommon(experimentId, at);
            subject = orNone(subject);
            atLeast(epoch, 0, "epoch");
            atLeast(batch, 0, "batch");
            required(worker, "worker");
        }

        public static Resumed of(String experimentId, Subject subject, int epoch, int batch, String worker) {
            return new Resumed(experimentId, now(), subject, epoch, batch, worker);
        }

        @Override
        public Type type() {
            return Type.RESUMED;
        }
    }

    /**
     * Where an epoch stands, every few seconds: written to the state topic only, for live progress bars.
     *
     * @param epoch 0-based epoch
     * @param batch batches done in this epoch
     * @param batches batches per epoch
     * @param metrics the images per second so far in this epoch, alone
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Progress(String experimentId, String at, @JsonUnwrapped Subject subject,
            @JsonProperty(required = true) int epoch, @JsonProperty(required = true) int batch,
            @JsonProperty(required = true) int batches, EventMetrics metrics) implements ExperimentEvent {
        public Progress {
            checkCommon(experimentId, at);
            subject = orNone(subject);
            atLeast(epoch, 0, "epoch");
            atLeast(batches, 1, "batches");
            if (batch < 0 || batch > batches) {
                throw new IllegalArgumentException("batch must be 0-" + batches + ", got " + batch);
            }
            required(metrics, "metrics");
        }

        public static Progress of(String experimentId, Subject subject, int epoch, int batch, int batches,
                double imagesPerSecond) {
            return new Progress(experimentId, now(), subject, epoch, batch, batches,
                    EventMetrics.progress(imagesPerSecond));
        }

        @Override
        public Type type() {
            return Type.PROGRESS;
        }
    }

    /**
     * An epoch ended.
     *
     * @param epoch 0-based epoch
     * @param metrics the epoch's figures
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Epoch(String experimentId, String at, @JsonUnwrapped Subject subject,
            @JsonProperty(required = true) int epoch, EventMetrics metrics) implements ExperimentEvent {
        public Epoch {
            checkCommon(experimentId, at);
            subject = orNone(subject);
            atLeast(epoch, 0, "epoch");
            required(metrics, "metrics");
        }

        public static Epoch of(String experimentId, Subject subject, int epoch, EventMetrics metrics) {
            return new Epoch(experimentId, now(), subject, epoch, metrics);
        }

        @Override
        public Type type() {
            return Type.EPOCH;
        }
    }

    /**
     * A sweep's children all ended: one row each, and the plot.
     *
     * @param summary one row per child: a grid's in its order, a random search's ranked by validation accuracy
     * @param reportKey key of the plot on {@code fmnist.reports}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SweepSummary(String experimentId, String at, @JsonUnwrapped Subject subject, List<SweepRow> summary,
            String reportKey) implements ExperimentEvent {
        public SweepSummary {
            checkCommon(experimentId, at);
            subject = orNone(subject);
            summary = List.copyOf(required(summary, "summary"));
            required(reportKey, "reportKey");
        }

        public static SweepSummary of(String experimentId, Subject subject, List<SweepRow> summary, String reportKey) {
            return new SweepSummary(experimentId, now(), subject, summary, reportKey);
        }

        @Override
        public Type type() {
            return Type.SWEEP_SUMMARY;
        }
    }

    /**
     * Trained, and its artefact published (a sweep: every child succeeded).
     *
     * @param artefactVersion the version of the artefact on {@code fmnist.models}; null for a sweep
     * @param metrics the figures of the epoch whose weights were published; null for a sweep
     * @param reason why a rule (early stopping, median stopping) stopped it before its planned epochs; null when none did
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Succeeded(String experimentId, String at, @JsonUnwrapped Subject subject, String artefactVersion,
            EventMetrics metrics, String reason) implements Terminal {
        public Succeeded {
            checkCommon(experimentId, at);
            subject = orNone(subject);
        }

        public static Succeeded of(String experimentId, Subject subject, String artefactVersion, EventMetrics metrics,
                String reason) {
            return new Succeeded(experimentId, now(), subject, artefactVersion, metrics, reason);
        }

        @Override
        public Type type() {
            return Type.SUCCEEDED;
        }
    }

    /** @param reason what went wrong */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Failed(String experimentId, String at, @JsonUnwrapped Subject subject, String reason) implements Terminal {
        public Failed {
            checkCommon(experimentId, at);
            subject = orNone(subject);
            required(reason, "reason");
        }

        public static Failed of(String experimentId, Subject subject, String reason) {
            return new Failed(experimentId, now(), subject, reason);
        }

        @Override
        public Type type() {
            return Type.FAILED;
        }
    }

    /** @param reason when it was cancelled */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Cancelled(String experimentId, String at, @JsonUnwrapped Subject subject, String reason)
            implements Terminal {
        public Cancelled {
            checkCommon(experimentId, at);
            subject = orNone(subject);
            required(reason, "reason");
        }

        public static Cancelled of(String experimentId, Subject subject, String reason) {
            return new Cancelled(experimentId, now(), subject, reason);
        }

        @Override
        public Type type() {
            return Type.CANCELLED;
        }
    }

    /**
     * The request broke a rule; it describes nothing else.
     *
     * @param reason {@code field: rule}
     * @param field the request field at fault
     * @param rule the rule it broke
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Rejected(String experimentId, String at, String reason, String field, String rule) implements Terminal {
        public Rejected {
            checkCommon(experimentId, at);
            required(reason, "reason");
            required(field, "field");
            required(rule, "rule");
        }

        public static Rejected of(String experimentId, String field, String rule) {
            return new Rejected(experimentId, now(), field + ": " + rule, field, rule);
        }

        @Override
        public Type type() {
            return Type.REJECTED;
        }

        @Override
        public Subject subject() {
            return Subject.NONE;
        }
    }

    /**
     * The kinds, as {@code type} names them on the topic, each with its record. SUCCEEDED, FAILED,
     * CANCELLED and REJECTED end an experiment, exactly one of them per experiment. PROGRESS comes every
     * few seconds within an epoch, for live progress bars. RESUMED follows a RUNNING when the run
     * continues from a checkpoint.
     */
    enum Type {
        QUEUED(Queued.class), RUNNING(Running.class), RESUMED(Resumed.class), PROGRESS(Progress.class),
        EPOCH(Epoch.class),
        SUCCEEDED(Succeeded.class), FAILED(Failed.class), CANCELLED(Cancelled.class), REJECTED(Rejected.class),
        SWEEP_SUMMARY(SweepSummary.class);

        private final Class<? extends ExperimentEvent> eventClass;

        Type(Class<? extends ExperimentEvent> eventClass) {
            this.eventClass = eventClass;
        }

        /** The record of this kind of event. */
        public Class<? extends ExperimentEvent> eventClass() {
            return eventClass;
        }

        public boolean isTerminal() {
            return Terminal.class.isAssignableFrom(eventClass);
        }
    }

    private static String now() {
        return Instant.now().toString();
    }

    private static Subject orNone(Subject subject) {
        return subject == null ? Subject.NONE : subject;
    }

    /** What every event carries: whose it is and when; every reader orders and subtracts {@code at}. */
    private static void checkCommon(String experimentId, String at) {
        required(experimentId, "experimentId");
        required(at, "at");
        try {
            Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("at must be an ISO-8601 instant, got \"" + at + "\"");
        }
    }

    private static <T> T required(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        return value;
    }

    private static void atLeast(int value, int minimum, String field) {
        if (value < minimum) {
            throw new IllegalArgumentException(field + " must be at least " + minimum + ", got " + value);
        }
    }
}
