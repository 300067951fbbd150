package dev.fmnist.trainer.artefacts;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.trainer.messaging.Records;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Channel;

/**
 * Publishes trained artefacts to {@code fmnist.models}, keyed by architecture so compaction keeps the
 * latest of each; the headers carry what a serving replica indexes the topic by without reading the
 * artefacts (sha256, version, experiment, test accuracy, creation time), so it fetches only what it serves.
 */
@ApplicationScoped
public class ArtefactPublisher {

    @Inject
    @Channel("models")
    MutinyEmitter<byte[]> models;

    public void publish(ModelArtefact artefact) {
        ModelManifest manifest = artefact.manifest();
        Records.send(models, manifest.networkSpec().label(), ArtefactCodec.encode(artefact),
                Headers.forArtefact(manifest));
    }
}
