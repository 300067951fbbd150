package dev.fmnist.contract.experiments;

import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The experiment-state topic folded into one state per experiment. The rules depend only on the
 * records and their order on the topic (all records of one experiment share a partition), never on
 * the instants written in them, so every trainer and every CLI that reads the topic agrees on who holds
 * what, whatever their clocks say:
 * <ul>
 *   <li>the first end wins; nothing changes an ended experiment; an end is also written under
 *       {@link #endKey}, so compaction cannot hide it;</li>
 *   <li>an end (under either key) is taken only from the current claim (same worker, same attempt), or
 *       for an experiment not known yet; any other is a forged end, refused
 *       ({@link Refusal#FOREIGN_END});</li>
 *   <li>a record written without a claim (a QUEUED note) only introduces an experiment not yet known;</li>
 *   <li>the holder's own records (same worker, same attempt) are taken;</li>
 *   <li>a claim with a higher attempt is taken, whatever instants it carries: of two trainers racing for
 *       an experiment, the first record of that attempt wins. Whether a trainer may <em>write</em> such
 *       a take-over is its own decision, on its own monotonic clock (the trainer's lease watch): the
 *       table only orders what was written.</li>
 * </ul>
 */
public final class StateTable {

    /**
     * The key of an experiment's end record: its id and this suffix ({@code #} is never in an id). The
     * end is written there as well as under the id, by the holder only, so that compaction, which keeps
     * the last record of a key, can never leave a later claim (a trainer that lost a race and wrote after
     * the end) as all a new reader learns of an ended experiment.
     */
    public static final String END_KEY_SUFFIX = "#end";

    /** Why a record was refused: the label a trainer counts refused records by. */
    public enum Refusal {
        /** Not a state record at all: no key, not JSON, a state that breaks its own rules. */
        UNREADABLE,
        /** A state under a key that is not its experiment's, or a non-end under an end key. */
        WRONG_KEY,
        /** An end that the experiment's current claim did not write. */
        FOREIGN_END;

        /** The metric label: {@code foreign-end}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** A record the table refuses, and why; an {@link IllegalArgumentException} for readers that only skip. */
    public static final class RefusedException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final Refusal reason;

        RefusedException(Refusal reason, String message) {
            super(message);
            this.reason = reason;
        }

        public Refusal reason() {
            return reason;
        }
    }

    private final Map<String, ExperimentState> states = new ConcurrentHashMap<>();

    /**
     * Applies one record as it is on the topic; true when it was taken. A null value is a tombstone
     * (the experiment forgotten); anything else must be a state of the experiment its key names, or it
     * is a {@link RefusedException} that says what is wrong. A record that is a state but not taken (a
     * claim below the current attempt, a late beat) is no error: false.
     */
    public boolean apply(String key, byte[] value) {
        if (key == null) {
            throw new RefusedException(Refusal.UNREADABLE, "a state record without a key");
        }
        boolean end = key.endsWith(END_KEY_SUFFIX);
        String id = experimentIdOf(key);
        if (value == null) {
            states.remove(id);
            return true;
        }
        ExperimentState state;
        try {
            state = ExperimentState.parse(value);
        } catch (IllegalArgumentException e) {
            throw new RefusedException(Refusal.UNREADABLE, e.getMessage());
        }
        if (!state.experimentId().equals(id)) {
            throw new RefusedException(Refusal.WRONG_KEY, "a state of " + state.experimentId() + " under the key " + key);
        }
        if (end && !state.isEnded()) {
            throw new RefusedException(Refusal.WRONG_KEY, "an end record of " + id + " that is not an end: "
                    + state.status());
        }
        return apply(state);
    }

    /** The key an experiment's end is also written under. */
    public static String endKey(String experimentId) {
        return experimentId + END_KEY_SUFFIX;
    }

    /** The experiment a record's key is about: the key itself, or an end key less its suffix. */
    public static String experimentIdOf(String key) {
        return key.endsWith(END_KEY_SUFFIX) ? key.substring(0, key.length() - END_KEY_SUFFIX.length()) : key;
    }

    /**
     * Applies one state; true when it was taken, false when it changes nothing (a claim that lost, a
     * record after the end); a {@link RefusedException} for an end the current claim did not write.
     */
    public boolean apply(ExperimentState incoming) {
        ExperimentState current = states.get(incoming.experimentId());
        if (incoming.isEnded() && current != null && !current.isEnded() && !incoming.sameClaim(current)) {
            throw new RefusedException(Refusal.FOREIGN_END, "an end of " + incoming.experimentId() + " ("
                    + incoming.status() + ") by " + claimOf(incoming) + ", which does not hold it ("
                    + claimOf(current) + " does)");
        }
        if (!takes(current, incoming)) {
            return false;
        }
        states.put(incoming.experimentId(), incoming);
        return true;
    }

    private static String claimOf(ExperimentState state) {
        return state.worker() == null ? "nobody" : state.worker() + " attempt " + state.attempt();
    }

    static boolean takes(ExperimentState current, ExperimentState incoming) {
        if (current == null) {
            return true;
        }
        if (current.isEnded() || incoming.worker() == null) {
            return false;
        }
        if (current.worker() == null || incoming.sameClaim(current)) {
            return true;
        }
        return incoming.attempt() != null && current.attempt() != null && incoming.attempt() > current.attempt();
    }

    public Optional<ExperimentState> get(String experimentId) {
        return Optional.ofNullable(states.get(experimentId));
    }

    public Collection<ExperimentState> all() {
        return states.values();
    }

    public int size() {
        return states.size();
    }
}
