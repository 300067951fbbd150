package dev.fmnist.trainer.coordination;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentState;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * An experiment this trainer holds: its state, kept current and written on every change and every
 * {@link ExperimentState#HEARTBEAT} (so the lease stays live while a run is long), until the claim is
 * closed. A holder that finds its claim taken over (it missed its lease) stops and writes no end.
 *
 * <p>It writes an end only through {@link #record} with a terminal event, so it knows its own: an end
 * on the topic that it did not write (a record forged, or its own claim copied with an end status)
 * is a {@link #foreignEnd}, and the holder stops and says so on the events topic, so a run never
 * disappears without a word.
 */
public final class Claim implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Claim.class);

    private final ExperimentStates states;
    private final String experimentId;
    private final ScheduledExecutorService heartbeat;
    private ExperimentState state;
    private volatile boolean lost;
    /** The end on the topic that this claim did not write, once one is seen. */
    private volatile ExperimentState foreignEnd;
    private boolean released;

    Claim(ExperimentStates states, ExperimentState claimed) {
        this.states = states;
        this.experimentId = claimed.experimentId();
        this.state = claimed;
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

    /** Folds {@code event} into the state and writes it; {@code publishEvent} puts the event on the events topic first. */
    public synchronized void record(ExperimentEvent event, Consumer<ExperimentEvent> publishEvent) {
        if (!(event instanceof Progress)) {
            publishEvent.accept(event); // PROGRESS lives in the state only: the events topic is kept forever
        }
        state = state.next(event);
        if (!(event instanceof Terminal)) {
            state = state.renewedAt(states.now());
        }
        states.write(state);
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
            ExperimentState seen = states.get(mine.experimentId()).orElse(null);
            noteForeignEnd(seen);
            if (seen != null && !seen.sameClaim(mine) && seen.attempt() != null && seen.attempt() > mine.attempt()) {
                LOG.warnf("experiment %s was taken over by %s (attempt %d): this trainer's lease lapsed; stopping it",
                        mine.experimentId(), seen.worker(), seen.attempt());
                lost = true;
            }
        } catch (RuntimeException e) {
            LOG.warnf("experiment %s: heartbeat not written (%s); retrying in %d s", experimentId,
                    e.getMessage(), ExperimentState.HEARTBEAT.toSeconds());
        }
    }

    @Override
    public void close() {
        heartbeat.shutdownNow();
    }
}
