package dev.fmnist.trainer.checkpoints;

import java.util.Locale;

/**
 * Why a stored checkpoint was not resumed from, as {@code fmnist_trainer_checkpoints_refused_total}'s
 * {@code reason} label says it. The run then starts from epoch 0: a bad checkpoint never fails a run.
 */
public enum Refusal {
    /** The newest manifest is no manifest ({@code CheckpointManifest.parse} refused it). */
    MANIFEST,
    /** The manifest is of another training (another recipe, network or seed): its fingerprint differs. */
    FINGERPRINT,
    /** A chunk is missing or of the wrong size. */
    CHUNKS,
    /** The chunks put together do not have the manifest's sha256. */
    SHA256,
    /** The bytes are no checkpoint of this run, or disagree with their manifest (the engine's own checks). */
    CHECKPOINT,
    /** The topic could not be read in time. */
    READ;

    /** The metric's label value. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
