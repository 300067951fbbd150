package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.health.GrpcServingStatus;
import dev.fmnist.inference.messaging.ArtefactFetcher;
import dev.fmnist.inference.metrics.ServingMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Decides what each served model runs, from the two topics that say so: every artefact published for
 * it (verified, loaded, warmed up, then swapped in) and its model-control record. Following the
 * newest, a new artefact goes live if it passes the accuracy floor; pinned, only the pinned version
 * is served, fetched again from the models topic if it is not at hand, and the floor does not apply
 * (the operator chose it). Anything that cannot be served is refused with its reason and the live
 * version keeps serving. Both topics' readers call in here, through the {@link ModelRepository}; each
 * slot takes one decision at a time.
 */
@ApplicationScoped
public class ModelSelector {

    private static final Logger LOG = Logger.getLogger(ModelSelector.class);
    /** Following the newest again after a pin: how many older artefacts to try when the newest is refused. */
    static final int FALLBACK_TRIES = 3;

    @Inject
    ServingEngine engine;

    @Inject
    ServingMetrics metrics;

    @Inject
    GrpcServingStatus servingStatus;

    @Inject
    InferenceConfig config;

    @Inject
    ArtefactFetcher fetcher;

    /** An artefact read at {@code offset} on the models topic under {@code slot}'s key. */
    public void published(ModelSlot slot, long offset, byte[] bytes) {
        synchronized (slot) {
            ModelArtefact artefact;
            try {
                artefact = ArtefactCodec.decode(bytes);
            } catch (ArtefactException e) {
                refuse(slot, null, "unreadable artefact at offset " + offset + ": " + e.getMessage());
                return;
            }
            ModelManifest manifest = artefact.manifest();
            if (!manifest.networkSpec().label().equals(slot.artefactKey())) {
                refuse(slot, manifest, "manifest says " + manifest.networkSpec().label() + " but it was published as "
                        + slot.artefactKey());
                return;
            }
            slot.published().add(manifest, offset);
            Optional<String> pin = slot.pinned();
            if (pin.isEmpty()) {
                load(slot, artefact, true);
            } else if (PublishedVersions.Entry.of(manifest, offset).answersTo(pin.get()) && !liveAnswersTo(slot, pin.get())) {
                load(slot, artefact, false);
            } else {
                LOG.infof("%s: artefact %s not loaded: pinned to %s", slot.name(), manifest.version(), pin.get());
            }
        }
    }

    /** A model-control record for {@code slot}: serve the pinned version, or the newest again. */
    public void controlled(ModelSlot slot, ModelControl control) {
        synchronized (slot) {
            slot.control(control);
            slot.problem(null);
            Optional<String> pin = control.pinnedVersion();
            if (pin.isPresent()) {
                servePinned(slot, pin.get());
            } else {
                serveNewest(slot);
            }
            servingStatus.update();
        }
    }

    private void servePinned(ModelSlot slot, String pin) {
        if (liveAnswersTo(slot, pin)) {
            LOG.infof("%s: pinned to %s, which is live", slot.name(), pin);
            return;
        }
        Optional<PublishedVersions.Entry> entry = slot.published().find(pin);
        if (entry.isEmpty()) {
            slot.problem("pinned to " + pin + ", not (yet) seen on the models topic" + slot.manifest()
                    .map(m -> "; " + m.version() + " keeps serving").orElse(""));
            LOG.infof("%s: %s", slot.name(), slot.problem().orElseThrow());
            return;
        }
        Optional<ModelArtefact> artefact = fetch(slot, entry.get());
        if (artefact.isEmpty() || !load(slot, artefact.get(), false)) {
            slot.problem("pinned to " + pin + ", which cannot be loaded (see refused)");
        }
    }

    private void serveNewest(ModelSlot slot) {
        int tries = 0;
        for (PublishedVersions.Entry entry : slot.published().newestFirst()) {
            if (liveAnswersTo(slot, entry.version())) {
                return; // the newest that can be served is live already
            }
            if (slot.refused().contains(entry.version())) {
                continue;
            }
            if (tries++ == FALLBACK_TRIES) {
                return;
            }
            Optional<ModelArtefact> artefact = fetch(slot, entry);
            if (artefact.isPresent() && load(slot, artefact.get(), true)) {
                return;
            }
        }
    }

    private Optional<ModelArtefact> fetch(ModelSlot slot, PublishedVersions.Entry entry) {
        try {
            ModelArtefact artefact = ArtefactCodec.decode(fetcher.fetch(entry.offset()));
            if (!artefact.manifest().version().equals(entry.version())) {
                throw new ArtefactException("offset " + entry.offset() + " now holds " + artefact.manifest().version());
            }
            return Optional.of(artefact);
        } catch (ArtefactException | IllegalStateException e) {
            slot.refused().add(entry.version(), entry.experimentId(), "cannot be read again from the models topic: "
                    + e.getMessage());
            LOG.warnf("%s: artefact %s cannot be read again: %s", slot.name(), entry.version(), e.getMessage());
            return Optional.empty();
        }
    }

    /** Loads and swaps in {@code artefact}; {@code gated}: held to the accuracy floor. False when refused. */
    private boolean load(ModelSlot slot, ModelArtefact artefact, boolean gated) {
        ModelManifest manifest = artefact.manifest();
        double floor = config.serving().minTestAccuracy();
        if (gated && manifest.testAccuracy() < floor) {
            refuse(slot, manifest, "test accuracy " + manifest.testAccuracy() + " is below the required " + floor);
            return false;
        }
        ServedModel next;
        try {
            next = engine.load(artefact);
        } catch (RuntimeException e) { // ArtefactException, or the engine refusing the warm-up pass
            refuse(slot, manifest, e.getMessage());
            return false;
        }
        slot.swap(next);
        slot.problem(null); // what was wanted is served now
        servingStatus.update();
        metrics.modelLoaded(slot.name(), manifest);
        LOG.infof("%s: now serving %s (%s), test accuracy %.4f%s", slot.name(), manifest.version(),
                manifest.experimentId(), manifest.testAccuracy(), gated ? "" : ", pinned");
        return true;
    }

    private static boolean liveAnswersTo(ModelSlot slot, String pin) {
        return slot.manifest().map(m -> m.version().equals(pin) || pin.equals(m.experimentId())).orElse(false);
    }

    private void refuse(ModelSlot slot, ModelManifest manifest, String reason) {
        metrics.modelRefused(slot.name());
        String version = manifest == null ? null : manifest.version();
        String experiment = manifest == null ? null : manifest.experimentId();
        slot.refused().add(version, experiment, reason);
        LOG.warnf("%s: artefact refused, the live version keeps serving: %s%s", slot.name(),
                version == null ? "" : version + " (" + experiment + "): ", reason);
    }
}
