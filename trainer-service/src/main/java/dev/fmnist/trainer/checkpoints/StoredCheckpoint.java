package dev.fmnist.trainer.checkpoints;

import dev.fmnist.contract.checkpoints.CheckpointManifest;

/** A checkpoint as read back: its manifest, and its bytes, whole and with the manifest's sha256. */
public record StoredCheckpoint(CheckpointManifest manifest, byte[] bytes) {}
