package dev.fmnist.trainer.artefacts;

import dev.fmnist.engine.artefacts.ArtefactCodec;
import dev.fmnist.engine.artefacts.ModelArtefact;
import dev.fmnist.engine.artefacts.ModelManifest;
import dev.fmnist.trainer.messaging.Records;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes trained artefacts to {@code fmnist.models}, keyed by architecture so compaction keeps the
 * latest of each; the headers carry the sha256 and version so a consumer can skip what it has.
 */
@ApplicationScoped
public class ArtefactPublisher {

    public static final String SHA256_HEADER = "fmnist-parameters-sha256";
    public static final String VERSION_HEADER = "fmnist-version";
    public static final String EXPERIMENT_HEADER = "fmnist-experiment-id";

    @Inject
    @Channel("models")
    MutinyEmitter<byte[]> models;

    public void publish(ModelArtefact artefact) {
        ModelManifest manifest = artefact.manifest();
        Records.send(models, manifest.networkSpec().label(), ArtefactCodec.encode(artefact), Map.of(
                SHA256_HEADER, manifest.parametersSha256(),
                VERSION_HEADER, manifest.version(),
                EXPERIMENT_HEADER, manifest.experimentId() == null ? "" : manifest.experimentId(),
                "content-type", "application/zip"));
    }
}
