package dev.fmnist.trainer.coordination;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentState;
import java.time.Instant;
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
 */
public final class Claim implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(Claim.class);

    private final ExperimentStates states;
    private final String experimentId;
    private final ScheduledExecutorService heartbeat;
    private ExperimentState state;
    private volatile boolean lost;
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
            state = state.renewedAt(Instant.now());
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
            state = state.renewedAt(Instant.now());
            mine = state;
            written = states.write(mine);
        }
        states.awaitSeen(written);
        boolean held = states.get(mine.experimentId()).map(s -> s.sameClaim(mine) && !s.isEnded()).orElse(false);
        if (!held) {
            lost = true;
        }
        return held;
    }

    /** True once the claim was found taken over: the run should stop. */
    public boolean isLost() {
        return lost;
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
                state = state.renewedAt(Instant.now());
                mine = state;
                states.write(mine);
            }
            ExperimentState seen = states.get(mine.experimentId()).orElse(null);
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
