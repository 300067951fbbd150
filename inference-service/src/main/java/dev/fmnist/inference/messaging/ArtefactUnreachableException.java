package dev.fmnist.inference.messaging;

/**
 * The models topic could not be read in time (a broker restarting, the cluster out of reach): says
 * nothing about the artefact, which may well be there; unlike a record compacted away or a tombstone,
 * worth trying again.
 */
public class ArtefactUnreachableException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public ArtefactUnreachableException(String message) {
        super(message);
    }
}
