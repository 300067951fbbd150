package dev.fmnist.contract.artefacts;

import dev.fmnist.contract.util.Sha256;

/**
 * A trained model as {@code fmnist.models} carries it: its manifest and its parameters (DJL's
 * parameter format). Every instance's parameters match its manifest's sha256: instances come from
 * {@link #of}, which checks it, or from {@link ArtefactCodec#decode}, which verifies it too.
 */
public final class ModelArtefact {

    private final ModelManifest manifest;
    private final byte[] parameters;

    private ModelArtefact(ModelManifest manifest, byte[] parameters) {
        this.manifest = manifest;
        this.parameters = parameters;
    }

    /** Pairs a manifest with its parameters (copied); refuses parameters the manifest's checksum does not name. */
    public static ModelArtefact of(ModelManifest manifest, byte[] parameters) {
        String actual = Sha256.hex(parameters);
        if (!actual.equals(manifest.parametersSha256())) {
            throw new ArtefactException("parameters' sha256 is " + actual + " but the manifest says "
                    + manifest.parametersSha256() + ": the artefact was altered or corrupted");
        }
        return new ModelArtefact(manifest, parameters.clone());
    }

    public ModelManifest manifest() {
        return manifest;
    }

    /** A copy of the parameter bytes. */
    public byte[] parameters() {
        return parameters.clone();
    }
}
