package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Resumed;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.SweepSummary;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.networks.NetworkSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One record of the compacted {@code fmnist.experiment-state} topic, keyed by experiment id: where an
 * experiment stands now, and who holds it. It is the events folded into one value ({@link #next}), so
 * a trainer's start-up and {@code fmnist list} read one record per experiment, not its whole history.
 *
 * <p>Holding: a trainer may train, end or fan out an experiment only while it holds its <em>claim</em>
 * ({@code worker}, {@code attempt}) with a live lease, renewed by a record every {@link #HEARTBEAT}.
 * Which claim holds is decided by the topic's order, the same way for every reader: see {@link StateTable}.
 * Whether a lease lapsed is judged by each observer on its own monotonic clock (the time since it last
 * saw a record of the claim), never from {@code heartbeatAt}, which is the writer's clock and is kept
 * for display only.
 *
 * @param experimentId the experiment
 * @param parentId the sweep, for a child
 * @param status QUEUED, RUNNING or how it ended
 * @param architecture registry name
 * @param k kernel size option
 * @param epochs planned epochs
 * @param epochsDone finished epochs
 * @param tags the request's tags
 * @param sweep a sweep's parameter and values (its children's ids follow from them)
 * @param worker the trainer holding the claim; null when nobody holds it
 * @param attempt the claim's number: 1 for the first holder, one more at each take-over
 * @param heartbeatAt when the holder last renewed the lease, by its own clock (shown, never compared);
 *     null once it let go (a fanned-out sweep, an end)
 * @param device where it trains
 * @param queuedAt ISO-8601
 * @param startedAt ISO-8601
 * @param endedAt ISO-8601
 * @param batch progress: batches done in the current epoch
 * @param batches progress: batches per epoch
 * @param imagesPerSecond progress: rate so far in the current epoch
 * @param metrics the last epoch's figures (the final ones once SUCCEEDED)
 * @param bestTestAccuracy the best test accuracy of any epoch (or, for a sweep, of any child)
 * @param artefactVersion SUCCEEDED: the published artefact
 * @param reason why it did not succeed, or why a rule stopped it before its planned epochs
 * @param fannedOut a sweep whose children are queued as requests of their own
 * @param summary a sweep's rows once it ended
 * @param reportKey a sweep's plot on the reports topic
 * @param valAccuracies the validation accuracy after each epoch so far, with a validation split: what
 *     the median stopping rule compares a random search's trials by, whichever trainer runs them
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ExperimentState(
        String experimentId,
        String parentId,
        Type status,
        String architecture,
        Integer k,
        Integer epochs,
        Integer epochsDone,
        Map<String, String> tags,
        Sweep sweep,
        String worker,
        Integer attempt,
        String heartbeatAt,
        String device,
        String queuedAt,
        String startedAt,
        String endedAt,
        Integer batch,
        Integer batches,
        Double imagesPerSecond,
        EventMetrics metrics,
        Double bestTestAccuracy,
        String artefactVersion,
        String reason,
        Boolean fannedOut,
        List<SweepRow> summary,
        String reportKey,
        List<Double> valAccuracies) {

    /**
     * How long a claim holds without a record of it: an observer that has itself waited this long since
     * it last saw one may take the experiment over.
     */
    public static final Duration LEASE = Duration.ofSeconds(20);
    /** How often a holder renews its lease: a quarter of it, so three missed beats do not lose it. */
    public static final Duration HEARTBEAT = LEASE.dividedBy(4);

    /** The state before any event: nothing known but the id. */
    public static ExperimentState of(String experimentId) {
        return new ExperimentState(experimentId, null, null, null, null, null, 0, null, null, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    @JsonIgnore
    public boolean isEnded() {
        return status != null && status.isTerminal();
    }

    @JsonIgnore
    public boolean isFannedOut() {
        return Boolean.TRUE.equals(fannedOut);
    }

    /**
     * True when a claim holds a lease here: someone claimed it and has not let go (no end, not a
     * fanned-out sweep's released claim). Whether that lease is still live is for the observer's clock.
     */
    @JsonIgnore
    public boolean isHeld() {
        return worker != null && heartbeatAt != null && !isEnded();
    }

    /** The same claim: same holder, same attempt. */
    public boolean sameClaim(ExperimentState other) {
        return worker != null && worker.equals(other.worker) && attempt != null && attempt.equals(other.attempt);
    }

    /** The claim number a take-over uses. */
    @JsonIgnore
    public int nextAttempt() {
        return attempt == null ? 1 : attempt + 1;
    }

    /** This state held by {@code worker} as claim {@code attempt}, lease renewed at {@code now}. */
    public ExperimentState claimedBy(String worker, int attempt, Instant now) {
        return new ExperimentState(experimentId, parentId, status, architecture, k, epochs, epochsDone, tags, sweep,
                worker, attempt, now.toString(), device, queuedAt, startedAt, endedAt, batch, batches,
                imagesPerSecond, metrics, bestTestAccuracy, artefactVersion, reason, fannedOut, summary, reportKey,
                valAccuracies);
    }

    /** The lease renewed at {@code now}. */
    public ExperimentState renewedAt(Instant now) {
        return claimedBy(worker, attempt, now);
    }

    /** A sweep whose children are queued: the lease is let go (no heartbeat), the children end it. */
    public ExperimentState fannedOutNow() {
        return new ExperimentState(experimentId, parentId, status, architecture, k, epochs, epochsDone, tags, sweep,
                worker, attempt, null, device, queuedAt, startedAt, endedAt, batch, batches, imagesPerSecond, metrics,
                bestTestAccuracy, artefactVersion, reason, true, summary, reportKey, valAccuracies);
    }

    /** This state after {@code event}: the fold every writer applies to the events it publishes. */
    public ExperimentState next(ExperimentEvent event) {
        Subject about = event.subject();
        String parent = about.parentId() != null ? about.parentId() : parentId;
        String arch = about.architecture() != null ? about.architecture() : architecture;
        Integer kernel = about.architecture() != null ? about.k() : k;
        Integer planned = about.epochs() != null ? about.epochs() : epochs;
        Map<String, String> labels = about.tags() != null ? about.tags() : tags;
        Sweep swept = about.sweep() != null ? about.sweep() : sweep;
        Type newStatus = status;
        String dev = device;
        String queued = queuedAt;
        String started = startedAt;
        String ended = endedAt;
        int done = epochsDone == null ? 0 : epochsDone;
        Integer batchNow = batch;
        Integer batchesNow = batches;
        Double rate = imagesPerSecond;
        EventMetrics last = metrics;
        Double best = bestTestAccuracy;
        String version = artefactVersion;
        String why = reason;
        List<SweepRow> rows = summary;
        String report = reportKey;
        String heartbeat = heartbeatAt;
        List<Double> curve = valAccuracies;
        if (event instanceof Queued q) {
            queued = queued == null ? q.at() : queued;
            newStatus = newStatus == null ? Type.QUEUED : newStatus;
        } else if (event instanceof Running r) {
            started = r.at();
            dev = r.device();
            newStatus = Type.RUNNING;
        } else if (event instanceof Resumed r) {
            // like RUNNING (the resuming trainer's RUNNING came first), and the epochs after the checkpoint undone
            newStatus = Type.RUNNING;
            done = r.epoch();
            curve = curve == null || curve.size() <= r.epoch() ? curve : List.copyOf(curve.subList(0, r.epoch()));
            batchNow = null;
            batchesNow = null;
            rate = null;
        } else if (event instanceof Progress p) {
            batchNow = p.batch();
            batchesNow = p.batches();
            rate = p.metrics().imagesPerSecond();
        } else if (event instanceof Epoch e) {
            done = e.epoch() + 1;
            last = e.metrics();
            best = better(best, last.testAccuracy());
            curve = withValidation(curve, e.epoch(), last);
            batchNow = null;
            batchesNow = null;
            rate = null;
        } else if (event instanceof SweepSummary s) {
            rows = s.summary();
            report = s.reportKey();
            for (SweepRow row : rows) {
                best = better(best, row.testAccuracy());
            }
        } else if (event instanceof Terminal end) {
            newStatus = end.type();
            ended = end.at();
            queued = queued == null ? end.at() : queued;
            why = end.reason();
            version = null;
            if (end instanceof Succeeded s) {
                version = s.artefactVersion();
                if (s.metrics() != null) {
                    last = s.metrics();
                    best = better(best, last.testAccuracy());
                }
            }
            batchNow = null;
            batchesNow = null;
            rate = null;
            heartbeat = null; // an end lets go of the claim
        }
        return new ExperimentState(experimentId, parent, newStatus, arch, kernel, planned, done, labels, swept, worker,
                attempt, heartbeat, dev, queued, started, ended, batchNow, batchesNow, rate, last, best, version, why,
                fannedOut, rows, report, curve);
    }

    /** The curve with epoch {@code epoch}'s validation accuracy in its place (a replayed epoch overwrites). */
    private static List<Double> withValidation(List<Double> curve, int epoch, EventMetrics metrics) {
        if (metrics.valAccuracy() == null) {
            return curve;
        }
        List<Double> next = new ArrayList<>(curve == null ? List.of() : curve);
        if (epoch > next.size()) {
            return curve; // an epoch missed: a gap would misplace every later one
        }
        if (epoch == next.size()) {
            next.add(metrics.valAccuracy());
        } else {
            next.set(epoch, metrics.valAccuracy());
        }
        return List.copyOf(next);
    }

    /** The PROGRESS event this state stands for, when it carries progress (for live progress bars), stamped with its heartbeat. */
    public Optional<Progress> progressEvent() {
        if (batch == null || batches == null || imagesPerSecond == null || heartbeatAt == null
                || status != Type.RUNNING) {
            return Optional.empty();
        }
        Subject about = new Subject(parentId, architecture, k, epochs, null, null);
        try {
            return Optional.of(new Progress(experimentId, heartbeatAt, about, epochsDone == null ? 0 : epochsDone,
                    batch, batches, EventMetrics.progress(imagesPerSecond)));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // a state whose progress is no PROGRESS event (another writer's): no bar
        }
    }

    /** The ids of a sweep's children, in the sweep's order; empty for a single run. */
    @JsonIgnore
    public List<String> childIds() {
        return sweep == null ? List.of() : sweep.childIds(experimentId);
    }

    /** The network's label ({@code better}, {@code compare(k=3)}); null when none is known yet. */
    @JsonIgnore
    public String networkLabel() {
        return architecture == null ? null : NetworkSpec.label(architecture, k);
    }

    /**
     * The test accuracy of what was published: for an experiment that SUCCEEDED, its artefact holds
     * the last epoch's weights, so the last epoch's figure (not the best epoch's); for a sweep, the
     * best of its runs' artefacts. Null before it succeeded.
     */
    @JsonIgnore
    public Double artefactTestAccuracy() {
        if (status != Type.SUCCEEDED) {
            return null;
        }
        if (summary != null) {
            return summary.stream().map(SweepRow::testAccuracy).filter(a -> a != null).max(Double::compare).orElse(null);
        }
        return metrics == null ? null : metrics.testAccuracy();
    }

    /** Running time so far, or from start (or queueing) to end; null before it was queued. */
    @JsonIgnore
    public Duration duration() {
        String from = startedAt != null ? startedAt : queuedAt;
        if (from == null) {
            return null;
        }
        return Duration.between(Instant.parse(from), endedAt != null ? Instant.parse(endedAt) : Instant.now());
    }

    private static Double better(Double best, Double candidate) {
        return candidate != null && (best == null || candidate > best) ? candidate : best;
    }

    public byte[] toJson() {
        return ContractJson.write(this);
    }

    /** Reads a state record; one that is not is an {@link IllegalArgumentException}. */
    public static ExperimentState parse(byte[] json) {
        ExperimentState state = ContractJson.read(json, ExperimentState.class);
        if (state.experimentId() == null) {
            throw new IllegalArgumentException("not a valid ExperimentState: no experimentId");
        }
        if (state.worker() != null && (state.attempt() == null || state.attempt() < 1)) {
            throw new IllegalArgumentException("not a valid ExperimentState: a claim by " + state.worker()
                    + " needs an attempt of at least 1");
        }
        instant("heartbeatAt", state.heartbeatAt());
        instant("queuedAt", state.queuedAt());
        instant("startedAt", state.startedAt());
        instant("endedAt", state.endedAt());
        return state;
    }

    /** Every reader compares and subtracts these times: one that is not an ISO-8601 instant is refused by name. */
    private static void instant(String field, String value) {
        if (value != null) {
            try {
                Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a valid ExperimentState: " + field + " must be an ISO-8601 "
                        + "instant, got \"" + value + "\"");
            }
        }
    }
}
