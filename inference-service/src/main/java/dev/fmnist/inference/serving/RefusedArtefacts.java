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

    private final Deque<RefusedArtefact> refused = new ArrayDeque<>();

    /** Records a refusal; {@code version} and {@code experimentId} may be empty for an unreadable artefact. */
    public synchronized void add(String version, String experimentId, String reason) {
        if (refused.size() == CAPACITY) {
            refused.removeFirst();
        }
        refused.addLast(RefusedArtefact.newBuilder().setVersion(version == null ? "" : version)
                .setExperimentId(experimentId == null ? "" : experimentId).setReason(reason)
                .setRefusedAt(Instant.now().toString()).build());
    }

    /** Whether {@code version} was refused (and not since loaded by an explicit pin). */
    public synchronized boolean contains(String version) {
        return refused.stream().anyMatch(r -> r.getVersion().equals(version));
    }

    /** Oldest first. */
    public synchronized List<RefusedArtefact> all() {
        return List.copyOf(refused);
    }
}
