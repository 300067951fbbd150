package dev.fmnist.trainer.coordination;

import dev.fmnist.contract.experiments.ExperimentState;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * When this trainer last saw a record of each experiment's current claim, on its own monotonic clock:
 * a lease lapses when this observer has waited {@link ExperimentState#LEASE} since then, whatever the
 * instants in the records say. No two machines' clocks are ever compared, so a claim "until 2099"
 * that stops beating lapses like any other, and a trainer whose wall clock is off neither takes over
 * live runs nor waits forever.
 *
 * <p>What is read at start-up counts as seen at read time: a trainer that just started waits a full
 * lease before it takes anything over, since it cannot know how long ago the holder last beat.
 */
final class LeaseWatch {

    private final LongSupplier nanoClock;
    private final long leaseNanos;
    /** Per experiment: when the record that made its current state was read (any record of its claim). */
    private final Map<String, Long> lastSeen = new ConcurrentHashMap<>();

    LeaseWatch(LongSupplier nanoClock, Duration lease) {
        this.nanoClock = nanoClock;
        this.leaseNanos = lease.toNanos();
    }

    LeaseWatch() {
        this(System::nanoTime, ExperimentState.LEASE);
    }

    /**
     * A record of {@code experimentId} was taken into the table: its current claim (the same one
     * renewed, or a new one that took over) was seen now.
     */
    void seen(String experimentId) {
        lastSeen.put(experimentId, nanoClock.getAsLong());
    }

    /** A tombstone: nothing to watch. */
    void forget(String experimentId) {
        lastSeen.remove(experimentId);
    }

    /**
     * True when {@code state} is held by a claim whose lease is live by this observer's clock: a claim
     * that has not let go, and of which a record was seen less than a lease ago.
     */
    boolean live(ExperimentState state) {
        if (!state.isHeld()) {
            return false;
        }
        Long seen = lastSeen.get(state.experimentId());
        // never seen (a state not from the topic): as if seen now, the safe side
        return seen == null || nanoClock.getAsLong() - seen < leaseNanos;
    }

    /** How long this observer has waited since it last saw a record of the experiment's claim. */
    Duration sinceSeen(String experimentId) {
        Long seen = lastSeen.get(experimentId);
        return seen == null ? Duration.ZERO : Duration.ofNanos(nanoClock.getAsLong() - seen);
    }
}
