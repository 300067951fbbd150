package dev.fmnist.inference.serving;

import dev.fmnist.proto.v1.RefusedArtefact;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The artefacts of one served model this replica refused, and why: what {@code GetModel} reports so
 * that {@code fmnist models} can mark them. Bounded: a flood of bad artefacts keeps only the newest.
 */
public final class RefusedArtefacts {

    static final int CAPACITY = 32;

    /** One refusal; {@code offset} is set when one record was refused (its bytes), not the version itself. */
    private record Refusal(RefusedArtefact artefact, Long offset) {}

    private final Deque<Refusal> refused = new ArrayDeque<>();

    /** Records a refusal; {@code version} and {@code experimentId} may be empty for an unreadable artefact. */
    public synchronized void add(String version, String experimentId, String reason) {
        add(version, experimentId, reason, null);
    }

    /**
     * Records the refusal of the record at {@code offset} (null: of the version, whatever record holds
     * it). A record is refused by its offset when what is wrong is that record (unreadable, its headers
     * disagreeing with its manifest): another record with the same headers may hold the real artefact.
     */
    public synchronized void add(String version, String experimentId, String reason, Long offset) {
        if (refused.size() == CAPACITY) {
            refused.removeFirst();
        }
        refused.addLast(new Refusal(RefusedArtefact.newBuilder().setVersion(version == null ? "" : version)
                .setExperimentId(experimentId == null ? "" : experimentId).setReason(reason)
                .setRefusedAt(Instant.now().toString()).build(), offset));
    }

    /** Whether {@code version} itself was refused (read, then refused: below the floor, not loadable). */
    public synchronized boolean contains(String version) {
        return refused.stream().anyMatch(r -> r.offset() == null && r.artefact().getVersion().equals(version));
    }

    /** Whether the record at {@code offset} was refused. */
    public synchronized boolean containsOffset(long offset) {
        return refused.stream().anyMatch(r -> r.offset() != null && r.offset() == offset);
    }

    /** Oldest first. */
    public synchronized List<RefusedArtefact> all() {
        return refused.stream().map(Refusal::artefact).toList();
    }
}
