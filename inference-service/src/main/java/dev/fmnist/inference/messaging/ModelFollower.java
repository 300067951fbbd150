package dev.fmnist.inference.messaging;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.health.GrpcServingStatus;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.inference.serving.LiveModel;
import dev.fmnist.inference.serving.RefusedArtefacts;
import dev.fmnist.inference.serving.ServedModel;
import dev.fmnist.inference.serving.ServingEngine;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows {@code fmnist.models} from the beginning: each artefact of the served architecture is
 * verified, loaded, warmed up and then swapped in; one that is corrupt, unloadable, below the
 * accuracy floor or not the pinned version is refused and the live model keeps serving.
 */
@ApplicationScoped
public class ModelFollower {

    private static final Logger LOG = Logger.getLogger(ModelFollower.class);

    @Inject
    LiveModel live;

    @Inject
    ServingMetrics metrics;

    @Inject
    GrpcServingStatus servingStatus;

    @Inject
    ServingEngine engine;

    @Inject
    InferenceConfig config;

    @Inject
    RefusedArtefacts refused;

    @Incoming("models")
    @Blocking
    public CompletionStage<Void> onArtefact(KafkaRecord<String, byte[]> record) {
        String architecture = config.serving().architecture();
        if (architecture.equals(record.getKey())) { // the key is the architecture label
            consider(record.getPayload());
        }
        return record.ack();
    }

    private void consider(byte[] bytes) {
        ModelArtefact artefact;
        try {
            artefact = ArtefactCodec.decode(bytes);
        } catch (ArtefactException e) {
            refuse(null, null, "unreadable artefact: " + e.getMessage());
            return;
        }
        ModelManifest manifest = artefact.manifest();
        String name = manifest.version() + " (" + manifest.experimentId() + ")";
        String architecture = config.serving().architecture();
        if (!manifest.networkSpec().label().equals(architecture)) {
            refuse(manifest, "manifest says " + manifest.networkSpec().label() + " but it was published as " + architecture);
            return;
        }
        Optional<String> pinned = config.serving().pin().filter(p -> !p.isBlank());
        if (pinned.isPresent() && !pinned.get().equals(manifest.version()) && !pinned.get().equals(manifest.experimentId())) {
            LOG.infof("artefact %s skipped: serving is pinned to %s", name, pinned.get());
            return;
        }
        double minTestAccuracy = config.serving().minTestAccuracy();
        if (manifest.testAccuracy() < minTestAccuracy) {
            refuse(manifest, "test accuracy " + manifest.testAccuracy() + " is below the required " + minTestAccuracy);
            return;
        }
        ServedModel next;
        try {
            next = engine.load(artefact);
        } catch (RuntimeException e) { // ArtefactException, or the engine refusing the warm-up pass
            refuse(manifest, e.getMessage());
            return;
        }
        live.swap(next);
        servingStatus.update();
        metrics.modelLoaded(manifest);
        LOG.infof("now serving %s %s, test accuracy %.4f", architecture, name, manifest.testAccuracy());
    }

    private void refuse(ModelManifest manifest, String reason) {
        refuse(manifest.version(), manifest.experimentId(), reason);
    }

    private void refuse(String version, String experimentId, String reason) {
        metrics.modelRefused();
        refused.add(version, experimentId, reason);
        LOG.warnf("artefact refused, the live model keeps serving: %s%s", version == null ? ""
                : version + " (" + experimentId + "): ", reason);
    }
}
