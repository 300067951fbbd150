package dev.fmnist.contract.experiments;

import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The experiment-state topic folded into one state per experiment. The rules depend only on the
 * records and their order on the topic (all records of one experiment share a partition), so every
 * trainer and every CLI that reads the topic agrees on who holds what:
 * <ul>
 *   <li>the first end wins; nothing changes an ended experiment; an end is also written under
 *       {@link #endKey}, which only the holder writes, so compaction cannot hide it;</li>
 *   <li>a record written without a claim (a QUEUED note) only introduces an experiment not yet known;</li>
 *   <li>the holder's own records (same worker, same attempt) are taken;</li>
 *   <li>another claim is taken only with a higher attempt and only when the holder's lease had lapsed at
 *       the claim's own heartbeat: of two trainers racing for an experiment, the first record wins.</li>
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

    private final Map<String, ExperimentState> states = new ConcurrentHashMap<>();

    /**
     * Applies one record as it is on the topic; true when it was taken. A null value is a tombstone
     * (the experiment forgotten); anything else must be a state of the experiment its key names, or it
     * is an {@link IllegalArgumentException} that says what is wrong.
     */
    public boolean apply(String key, byte[] value) {
        if (key == null) {
            throw new IllegalArgumentException("a state record without a key");
        }
        boolean end = key.endsWith(END_KEY_SUFFIX);
        String id = end ? key.substring(0, key.length() - END_KEY_SUFFIX.length()) : key;
        if (value == null) {
            states.remove(id);
            return true;
        }
        ExperimentState state = ExperimentState.parse(value);
        if (!state.experimentId().equals(id)) {
            throw new IllegalArgumentException("a state of " + state.experimentId() + " under the key " + key);
        }
        if (!end) {
            return apply(state);
        }
        if (!state.isEnded()) {
            throw new IllegalArgumentException("an end record of " + id + " that is not an end: " + state.status());
        }
        // written only by a holder that confirmed its claim: taken unless the experiment already ended
        ExperimentState current = states.get(id);
        if (current != null && current.isEnded()) {
            return false;
        }
        states.put(id, state);
        return true;
    }

    /** The key an experiment's end is also written under. */
    public static String endKey(String experimentId) {
        return experimentId + END_KEY_SUFFIX;
    }

    /** Applies one state; true when it was taken. */
    public boolean apply(ExperimentState incoming) {
        ExperimentState current = states.get(incoming.experimentId());
        if (!takes(current, incoming)) {
            return false;
        }
        states.put(incoming.experimentId(), incoming);
        return true;
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
        boolean newer = incoming.attempt() != null && current.attempt() != null && incoming.attempt() > current.attempt();
        return newer && incoming.heartbeatAt() != null && !current.leaseLiveAt(Instant.parse(incoming.heartbeatAt()));
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
