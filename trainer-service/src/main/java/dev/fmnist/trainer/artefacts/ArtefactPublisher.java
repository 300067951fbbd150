package dev.fmnist.trainer.artefacts;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.trainer.config.TrainerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Makes the record of a trained artefact on {@code fmnist.models}, keyed by architecture so compaction
 * keeps the latest of each; the headers carry what a serving replica indexes the topic by without
 * reading the artefacts (sha256, version, experiment, test accuracy, creation time), so it fetches only
 * what it serves. It is published with its run's end, in one transaction ({@code Claim.end}): a run
 * has its artefact on the topic exactly when it ended SUCCEEDED.
 */
@ApplicationScoped
public class ArtefactPublisher {

    @Inject
    TrainerConfig config;

    public ProducerRecord<String, byte[]> record(ModelArtefact artefact) {
        ModelManifest manifest = artefact.manifest();
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topic.MODELS.name(config.kafka().topicPrefix()),
                manifest.networkSpec().label(), ArtefactCodec.encode(artefact));
        Headers.forArtefact(manifest).forEach((name, text) -> record.headers().add(name,
                text.getBytes(StandardCharsets.UTF_8)));
        return record;
    }
}
