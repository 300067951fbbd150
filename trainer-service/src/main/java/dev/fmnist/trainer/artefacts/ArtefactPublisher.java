package dev.fmnist.trainer.artefacts;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.Headers;
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

    @Inject
    @Channel("models")
    MutinyEmitter<byte[]> models;

    public void publish(ModelArtefact artefact) {
        ModelManifest manifest = artefact.manifest();
        Records.send(models, manifest.networkSpec().label(), ArtefactCodec.encode(artefact), Map.of(
                Headers.PARAMETERS_SHA256, manifest.parametersSha256(),
                Headers.VERSION, manifest.version(),
                Headers.EXPERIMENT_ID, manifest.experimentId() == null ? "" : manifest.experimentId(),
                Headers.CONTENT_TYPE, "application/zip"));
    }
}
