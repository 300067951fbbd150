package dev.fmnist.contract.artefacts;

/** An artefact is malformed, tampered with, or does not fit the network its manifest names. */
public class ArtefactException extends RuntimeException {

    public ArtefactException(String message) {
        super(message);
    }

    public ArtefactException(String message, Throwable cause) {
        super(message, cause);
    }
}
