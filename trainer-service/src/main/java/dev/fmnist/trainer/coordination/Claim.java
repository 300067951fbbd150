package dev.fmnist.trainer.coordination;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentState;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * An experiment this trainer holds: its state, kept current and written on every change and every
 * {@link ExperimentState#HEARTBEAT} (so the lease stays live while a run is long), until the claim is
 * closed. A holder that finds its claim taken over (it missed its lease) stops and writes no end.
 *
 * <p>The end (artefact, terminal event, end state) goes out in one transaction of the claim's
 * {@link HolderFence} ({@link #end}): a holder paused between its last check and its end, and taken
 * over meanwhile, finds its commit fenced off, and nothing of it is read. A holder fenced off by a
 * trainer whose own claim then lost the race takes its run over itself (the next attempt, behind a
 * fence of its own) and ends it.
 *
 * <p>It writes an end only through {@link #record} with a terminal event, so it knows its own: an end
 * on the topic that it did not write (a record forged, or its own claim copied with an end status)
 * is a {@link #foreignEnd}, and the holder stops and says so on the events topic, so a run never
 * disappears without a word.
 */
public final class Claim implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Claim.class);
    /** Tries at committing an end (each after a failed or fenced one): a race lost is rare, three rarer. */
    private static final int MAX_ROUNDS = 3;

    private final ExperimentStates states;
    private final String experimentId;
    private final ScheduledExecutorService heartbeat;
    /** The producer of this claim's end; replaced when it was fenced off ({@link #refence}); only the ending thread's. */
    private HolderFence fence;
    /** The end state this claim last tried to commit: found on the topic, it is its own, not a forgery. */
    private volatile ExperimentState committing;
    /** Runs between the last check and the commit: tests pause the holder there (a take-over meanwhile). */
    Runnable beforeCommit = () -> { };
    private ExperimentState state;
    private volatile boolean lost;
    /** The end on the topic that this claim did not write, once one is seen. */
    private volatile ExperimentState foreignEnd;
    private boolean released;

    Claim(ExperimentStates states, ExperimentState claimed, HolderFence fence) {
        this.states = states;
        this.experimentId = claimed.experimentId();
        this.state = claimed;
        this.fence = fence;
        this.heartbeat = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "heartbeat-" + claimed.experimentId());
            thread.setDaemon(true);
            return thread;
        });
        long period = ExperimentState.HEARTBEAT.toMillis();
        heartbeat.scheduleAtFixedRate(this::beat, period, period, TimeUnit.MILLISECONDS);
    }

    public synchronized ExperimentState state() {
        return state;
    }

    /**
     * Folds {@code event} into the state and writes it; {@code publishEvent} puts the event on the events
     * topic first. Not for an end: that is {@link #end}'s.
     */
    public synchronized void record(ExperimentEvent event, Consumer<ExperimentEvent> publishEvent) {
        if (event instanceof Terminal) {
            throw new IllegalArgumentException("an end is published through Claim.end: " + event.type());
        }
        if (!(event instanceof Progress)) {
            publishEvent.accept(event); // PROGRESS lives in the state only: the events topic is kept forever
        }
        state = state.next(event).renewedAt(states.now());
        states.write(state);
    }

    /**
     * Ends the experiment if this claim still holds: {@code with} (a trained artefact), then
     * {@code events} (a sweep's summary; the last one the terminal event) and the end state they fold
     * to, in one transaction, all read or none. False, with nothing published, when the claim no longer
     * holds: taken over, ended by another, or fenced off by a later holder's fence.
     */
    public boolean end(List<ExperimentEvent> events, Function<ExperimentEvent, ProducerRecord<String, byte[]>> eventRecord,
            List<ProducerRecord<String, byte[]>> with) {
        if (events.isEmpty() || !(events.get(events.size() - 1) instanceof Terminal)) {
            throw new IllegalArgumentException("an end's events must close with a terminal event: " + events);
        }
        RuntimeException failed = null;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            if (!confirm()) {
                return ownEndLanded(); // a commit that failed on a timeout may have landed all the same
            }
            if (fence == null && !refence()) {
                return ownEndLanded(); // the one that timed out may have landed while the fresh fence opened
            }
            beforeCommit.run();
            // under the lock, as every write of the state: no beat may land after the end
            synchronized (this) {
                ExperimentState ended = state;
                List<ProducerRecord<String, byte[]>> records = new ArrayList<>(with);
                for (ExperimentEvent event : events) {
                    ended = ended.next(event);
                    if (!(event instanceof Progress)) {
                        records.add(eventRecord.apply(event));
                    }
                }
                records.addAll(states.endRecords(ended));
                committing = ended;
                try {
                    fence.commit(records);
                    state = ended;
                    return true;
                } catch (HolderFence.FencedException e) {
                    LOG.warnf("experiment %s: its end was fenced off (%s); checking whether this trainer still "
                            + "holds it", experimentId, e.getMessage());
                } catch (RuntimeException e) { // aborted, or unknown: a fresh fence and claim, then once more
                    LOG.warnf("experiment %s: its end was not committed (%s); trying again", experimentId,
                            e.getMessage());
                    failed = e;
                }
                fence.close();
                fence = null;
            }
        }
        throw new IllegalStateException("experiment " + experimentId + ": its end was not committed in " + MAX_ROUNDS
                + " tries" + (failed == null ? " (fenced off each time)" : ": " + failed.getMessage()), failed);
    }

    /** Whether the end this claim tried to commit is the experiment's end on the topic: then it is this state. */
    private boolean ownEndLanded() {
        ExperimentState seen = states.get(experimentId).orElse(null);
        if (seen == null || !isOwnEnd(seen)) {
            return false;
        }
        synchronized (this) {
            state = seen;
        }
        return true;
    }

    private boolean isOwnEnd(ExperimentState seen) {
        ExperimentState tried = committing;
        return tried != null && seen.isEnded() && seen.sameClaim(tried) && seen.status() == tried.status();
    }

    /**
     * Publishes {@code records} through this claim's fence, in one transaction; false when fenced off.
     * For what a holder says after its run was ended by a record it did not write.
     */
    public boolean publishFenced(List<ProducerRecord<String, byte[]>> records) {
        if (fence == null) {
            return false;
        }
        try {
            fence.commit(records);
            return true;
        } catch (HolderFence.FencedException e) {
            LOG.warnf("experiment %s: %s; not publishing", experimentId, e.getMessage());
            return false;
        }
    }

    /**
     * This claim's fence was opened again elsewhere (a trainer whose claim then lost the race, or a
     * holder that took over and still holds): a fresh fence, then this holder's own take-over (the next
     * attempt) behind it, so that any fence opened before is again older than the claim it guards.
     * False when the take-over did not win (the other holder's came first): the claim is lost.
     */
    private boolean refence() {
        HolderFence fresh = states.openFence(experimentId);
        try {
            ExperimentState mine;
            RecordMetadata written;
            synchronized (this) {
                if (lost) {
                    return false;
                }
                // the state itself moves to the new attempt at once: a beat in between must renew that one
                mine = state.claimedBy(state.worker(), state.nextAttempt(), states.now());
                state = mine;
                written = states.write(mine);
            }
            states.awaitSeen(written);
            ExperimentState seen = states.get(experimentId).orElse(null);
            if (seen == null || !seen.sameClaim(mine) || seen.isEnded()) {
                lost = true; // another's claim of that attempt came first, or an end: either way, its holder ends it
                return false;
            }
            LOG.infof("experiment %s: taken over again by this trainer as attempt %d, behind a fresh fence",
                    experimentId, mine.attempt());
            fence = fresh;
            fresh = null;
            return true;
        } finally {
            if (fresh != null) {
                fresh.close();
            }
        }
    }

    /** A sweep whose children are queued: the lease is let go; the last child to end ends the sweep. */
    public synchronized void fanOut() {
        state = state.fannedOutNow();
        released = true;
        states.write(state);
    }

    /**
     * Renews the lease, reads it back and says whether this trainer still holds the experiment: asked
     * before anything that must happen once (publishing an artefact, an end).
     */
    public boolean confirm() {
        RecordMetadata written;
        ExperimentState mine;
        synchronized (this) {
            if (lost) {
                return false;
            }
            state = state.renewedAt(states.now());
            mine = state;
            written = states.write(mine);
        }
        states.awaitSeen(written);
        ExperimentState seen = states.get(mine.experimentId()).orElse(null);
        noteForeignEnd(seen);
        boolean held = seen != null && seen.sameClaim(mine) && !seen.isEnded();
        if (!held) {
            lost = true;
        }
        return held;
    }

    /** True once the claim was found taken over or ended by another: the run should stop. */
    public boolean isLost() {
        return lost;
    }

    /**
     * The end this claim found on the topic without having written it; empty when it was not stopped
     * that way (taken over by a higher attempt, whose new holder ends the experiment, is not).
     */
    public Optional<ExperimentState> foreignEnd() {
        return Optional.ofNullable(foreignEnd);
    }

    /**
     * Called with what the table holds now: an end there under this very claim while this claim wrote
     * none is foreign. An end under a higher attempt is a take-over's (this holder was paused or cut off
     * past its lease, and the new holder finished): that one stands, silently.
     */
    private void noteForeignEnd(ExperimentState seen) {
        boolean endedHere;
        int attempt;
        synchronized (this) {
            endedHere = state.isEnded();
            attempt = state.attempt();
        }
        boolean takenOver = seen != null && seen.attempt() != null && seen.attempt() > attempt;
        if (seen != null && isOwnEnd(seen)) {
            return; // this claim's own end, committed though its commit call failed (a timeout)
        }
        if (takenOver && !lost) {
            LOG.warnf("experiment %s was taken over by %s (attempt %d) and %s there: this trainer's lease lapsed; "
                    + "stopping it", experimentId, seen.worker(), seen.attempt(), seen.isEnded() ? "ended" : "goes on");
            lost = true;
        }
        if (seen != null && seen.isEnded() && !endedHere && !takenOver && foreignEnd == null) {
            foreignEnd = seen;
            lost = true;
            LOG.warnf("experiment %s was ended on the state topic by a record this trainer did not write (%s, "
                    + "worker %s, attempt %s); stopping it", experimentId, seen.status(), seen.worker(), seen.attempt());
        }
    }

    private void beat() {
        ExperimentState mine;
        try {
            // the write under the same lock as every change: a beat must never land after a newer state
            // (after an end, compaction would keep the beat)
            synchronized (this) {
                if (lost || released || state.isEnded()) {
                    return;
                }
                state = state.renewedAt(states.now());
                mine = state;
                states.write(mine);
            }
            noteForeignEnd(states.get(mine.experimentId()).orElse(null)); // a take-over too: a higher attempt
        } catch (RuntimeException e) {
            LOG.warnf("experiment %s: heartbeat not written (%s); retrying in %d s", experimentId,
                    e.getMessage(), ExperimentState.HEARTBEAT.toSeconds());
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
        if (fence != null) {
            fence.close();
        }
    }
}
