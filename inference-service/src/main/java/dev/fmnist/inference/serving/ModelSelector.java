package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.health.GrpcServingStatus;
import dev.fmnist.inference.messaging.ArtefactFetcher;
import dev.fmnist.inference.messaging.ArtefactUnreachableException;
import dev.fmnist.inference.metrics.ServingMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Decides what each served model runs, from the two topics that say so: every artefact published for
 * it (verified, loaded, warmed up, then swapped in) and its model-control record. Following the
 * newest, a new artefact goes live if it passes the accuracy floor; pinned, only the pinned version
 * is served, fetched again from the models topic if it is not at hand, and the floor does not apply
 * (the operator chose it). Anything that cannot be served is refused with its reason and the live
 * version keeps serving. Both topics' readers call in here, through the {@link ModelRepository}; each
 * slot takes one decision at a time.
 *
 * <p>A control record may also name a challenger, served beside the champion in shadow or canary:
 * fetched and loaded like a pin (not held to the floor: whoever wrote the record chose it), refused
 * with its reason when it cannot be served (the champion unaffected), retired by a record that names
 * none, and made champion without a second load by a record that pins it (a promotion). With
 * {@code fmnist.policy.enabled}, following the newest stops at the first version that went live:
 * newer artefacts are recorded and left to the policy, which challenges them.
 *
 * <p>At start-up nothing is decided until the models topic is indexed up to its end ({@link #startUp}):
 * artefacts and control records met before are only recorded, so a replica never serves, even
 * briefly, a version older than the one it will serve.
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

    /** The slots {@link #startUp} has run for: only these act on what they read. */
    /** How long start-up waits before reading again a record the topic did not give in time. */
    static final Duration UNREACHABLE_RETRY = Duration.ofSeconds(2);

    private final Set<ModelSlot> started = ConcurrentHashMap.newKeySet();

    /**
     * Start-up, once the models topic is indexed up to its end offset: serves the pinned version, or
     * else the newest indexed artefact at or above the accuracy floor (judged from the index, so those
     * below it are neither fetched nor counted), fetching only the one it loads. A candidate that cannot
     * be fetched, fails verification or does not load is refused (counted, listed with its reason) and
     * the next older one is tried.
     */
    public void startUp(ModelSlot slot) {
        try {
            startUpLocked(slot);
        } finally {
            slot.retirePending(); // off the lock: draining a retired challenger takes a while
        }
    }

    private void startUpLocked(ModelSlot slot) {
        synchronized (slot) {
            started.add(slot);
            Optional<String> pin = slot.pinned();
            if (pin.isPresent()) {
                servePinned(slot, pin.get(), true);
            } else {
                double floor = config.serving().minTestAccuracy();
                for (PublishedVersions.Entry entry : slot.published().newestFirst()) {
                    if (entry.testAccuracy() < floor || refused(slot, entry)) {
                        continue;
                    }
                    // not ready on an older version because the newest could not be read just now: tried
                    // again until it is read, or found gone or bad
                    Optional<ModelArtefact> artefact = fetchRetrying(slot, entry);
                    if (artefact.isPresent() && load(slot, artefact.get(), true)) {
                        break;
                    }
                }
            }
            slot.control().ifPresent(control -> serveChallenger(slot, control));
            servingStatus.update();
        }
    }

    /** Whether the promotion policy decides what follows the first live version (fmnist.policy.enabled). */
    private boolean policyManaged() {
        return config.policy().enabled();
    }

    /** Whether {@link #startUp} has run for {@code slot}. */
    public boolean startedUp(ModelSlot slot) {
        return started.contains(slot);
    }

    /** An artefact indexed from its record's headers before start-up: recorded, not fetched. */
    public void indexed(ModelSlot slot, PublishedVersions.Entry entry) {
        slot.published().add(entry);
    }

    /** A record under {@code slot}'s key that cannot be indexed: refused (counted) with {@code reason}. */
    public void unindexable(ModelSlot slot, String reason) {
        refuse(slot, null, null, reason);
    }

    /** An artefact read at {@code offset} on the models topic under {@code slot}'s key. */
    public void published(ModelSlot slot, long offset, byte[] bytes) {
        try {
            publishedLocked(slot, offset, bytes);
        } finally {
            slot.retirePending();
        }
    }

    private void publishedLocked(ModelSlot slot, long offset, byte[] bytes) {
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
            if (!started.contains(slot)) {
                return; // indexed only: start-up chooses
            }
            Optional<String> pin = slot.pinned();
            Optional<String> wantedChallenger = slot.control().flatMap(ModelControl::challengerVersion)
                    .filter(v -> PublishedVersions.Entry.of(manifest, offset).answersTo(v));
            if (wantedChallenger.isPresent()) {
                if (slot.challenger().filter(c -> c.answersTo(wantedChallenger.get())).isEmpty()
                        && !liveAnswersTo(slot, wantedChallenger.get())) {
                    loadChallenger(slot, artefact, slot.control().orElseThrow());
                }
            } else if (pin.isEmpty() && policyManaged() && slot.ready()) {
                LOG.infof("%s: artefact %s recorded, not loaded: the promotion policy decides whether it challenges %s",
                        slot.name(), manifest.version(), slot.manifest().map(ModelManifest::version).orElse(""));
            } else if (pin.isEmpty()) {
                load(slot, artefact, true);
            } else if (PublishedVersions.Entry.of(manifest, offset).answersTo(pin.get()) && !liveAnswersTo(slot, pin.get())) {
                load(slot, artefact, false);
            } else {
                LOG.infof("%s: artefact %s not loaded: pinned to %s", slot.name(), manifest.version(), pin.get());
            }
        }
    }

    /**
     * A model-control record for {@code slot}: serve the pinned version (the loaded challenger's model
     * when it pins the challenger), or the newest again; then the challenger it names, or none.
     */
    public void controlled(ModelSlot slot, ModelControl control) {
        try {
            controlledLocked(slot, control);
        } finally {
            slot.retirePending();
        }
    }

    private void controlledLocked(ModelSlot slot, ModelControl control) {
        synchronized (slot) {
            slot.control(control);
            slot.problem(null);
            slot.challengerProblem(null);
            if (!started.contains(slot)) {
                return; // start-up serves what it says, from the whole index
            }
            Optional<String> pin = control.pinnedVersion();
            if (pin.isPresent()) {
                servePinned(slot, pin.get(), false);
            } else if (policyManaged() && slot.ready()) {
                LOG.infof("%s: follows the newest under the promotion policy: %s stays live until it promotes another",
                        slot.name(), slot.manifest().map(ModelManifest::version).orElse(""));
            } else {
                serveNewest(slot);
            }
            serveChallenger(slot, control);
            servingStatus.update();
        }
    }

    /**
     * The challenger {@code control} names, in its mode and share: kept when it is loaded already,
     * else fetched and loaded (the one before retired); none named, the loaded one retired. What
     * cannot be served is said in the slot's challenger problem (and refused when the artefact is at
     * fault); the champion is not touched.
     */
    private void serveChallenger(ModelSlot slot, ModelControl control) {
        Optional<String> wanted = control.challengerVersion();
        if (wanted.isEmpty()) {
            slot.retireChallenger();
            return;
        }
        String version = wanted.get();
        if (liveAnswersTo(slot, version)) {
            slot.retireChallenger();
            slot.challengerProblem("challenger " + version + " is the champion; nothing to compare it with");
            LOG.warnf("%s: %s", slot.name(), slot.challengerProblem().orElseThrow());
            return;
        }
        if (slot.challenger().filter(c -> c.answersTo(version)).isPresent()) {
            slot.reshape(control.mode(), control.share());
            return;
        }
        slot.retireChallenger(); // the record names another: the old one is not what it asks for
        Optional<PublishedVersions.Entry> entry = slot.published().find(version);
        if (entry.isEmpty()) {
            slot.challengerProblem("challenger " + version + ", not (yet) seen on the models topic");
            LOG.infof("%s: %s", slot.name(), slot.challengerProblem().orElseThrow());
            return;
        }
        Optional<ModelArtefact> artefact;
        try {
            artefact = fetch(slot, entry.get());
        } catch (ArtefactUnreachableException e) {
            slot.challengerProblem("challenger " + version + ", which could not be read from the models topic now ("
                    + e.getMessage() + ")");
            LOG.warnf("%s: %s", slot.name(), slot.challengerProblem().orElseThrow());
            return;
        }
        if (artefact.isEmpty()) {
            slot.challengerUnloadable("challenger " + version + ", which cannot be loaded (see refused)");
            return;
        }
        loadChallenger(slot, artefact.get(), control);
    }

    /** Loads {@code artefact} and serves it as {@code control}'s challenger; refused (counted) when it does not load. */
    private void loadChallenger(ModelSlot slot, ModelArtefact artefact, ModelControl control) {
        ModelManifest manifest = artefact.manifest();
        ServedModel next;
        try {
            next = engine.load(slot.name(), artefact);
        } catch (RuntimeException e) { // ArtefactException, or the engine refusing the warm-up pass
            refuse(slot, manifest, e.getMessage());
            slot.challengerUnloadable("challenger " + manifest.version() + ", which cannot be loaded (see refused)");
            return;
        }
        ChallengerMode mode = control.mode();
        slot.challenge(next, mode, control.share());
        LOG.infof("%s: challenger %s (%s), test accuracy %.4f, in %s for %.0f%% of requests; %s stays champion",
                slot.name(), manifest.version(), manifest.experimentId(), manifest.testAccuracy(),
                mode.wire(), 100 * control.share(),
                slot.manifest().map(ModelManifest::version).orElse("nothing"));
    }

    /** Makes the loaded challenger champion when it is {@code version}; false when it is not loaded. */
    private boolean promote(ModelSlot slot, String version) {
        Optional<ModelManifest> challenger = slot.challenger().filter(c -> c.answersTo(version))
                .flatMap(ModelSlot.Challenger::manifest);
        if (challenger.isEmpty() || !slot.promoteChallenger()) {
            return false;
        }
        slot.problem(null);
        servingStatus.update();
        metrics.modelLoaded(slot.name(), challenger.get());
        LOG.infof("%s: now serving %s (%s), the challenger promoted", slot.name(), challenger.get().version(),
                challenger.get().experimentId());
        return true;
    }

    /** {@code startingUp}: not ready until the pinned version is read, so reading is tried again meanwhile. */
    private void servePinned(ModelSlot slot, String pin, boolean startingUp) {
        if (liveAnswersTo(slot, pin)) {
            LOG.infof("%s: pinned to %s, which is live", slot.name(), pin);
            return;
        }
        if (promote(slot, pin)) {
            return;
        }
        Optional<PublishedVersions.Entry> entry = slot.published().find(pin);
        if (entry.isEmpty()) {
            slot.problem("pinned to " + pin + ", not (yet) seen on the models topic" + slot.manifest()
                    .map(m -> "; " + m.version() + " keeps serving").orElse(""));
            LOG.infof("%s: %s", slot.name(), slot.problem().orElseThrow());
            return;
        }
        Optional<ModelArtefact> artefact;
        try {
            artefact = startingUp ? fetchRetrying(slot, entry.get()) : fetch(slot, entry.get());
        } catch (ArtefactUnreachableException e) {
            slot.problem("pinned to " + pin + ", which could not be read from the models topic now (" + e.getMessage()
                    + ")" + slot.manifest().map(m -> "; " + m.version() + " keeps serving").orElse(""));
            LOG.warnf("%s: %s", slot.name(), slot.problem().orElseThrow());
            return;
        }
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
            if (promote(slot, entry.version())) {
                return; // it was the challenger
            }
            if (refused(slot, entry)) {
                continue;
            }
            if (tries++ == FALLBACK_TRIES) {
                return;
            }
            Optional<ModelArtefact> artefact;
            try {
                artefact = fetch(slot, entry);
            } catch (ArtefactUnreachableException e) { // not the artefact's fault: the live one keeps serving
                LOG.warnf("%s: %s (%s) not read from the models topic now (%s); the live version keeps serving",
                        slot.name(), entry.version(), entry.experimentId(), e.getMessage());
                return;
            }
            if (artefact.isPresent() && load(slot, artefact.get(), true)) {
                return;
            }
        }
    }

    /** Refused as a version (read and refused), or this very record refused (unreadable, lying headers). */
    private static boolean refused(ModelSlot slot, PublishedVersions.Entry entry) {
        return slot.refused().contains(entry.version()) || slot.refused().containsOffset(entry.offset());
    }

    /** {@link #fetch}, tried again while the topic cannot be read (start-up: not ready meanwhile). */
    private Optional<ModelArtefact> fetchRetrying(ModelSlot slot, PublishedVersions.Entry entry) {
        for (int attempt = 1; ; attempt++) {
            try {
                return fetch(slot, entry);
            } catch (ArtefactUnreachableException e) {
                LOG.warnf("%s: %s (%s) not read from the models topic (%s); trying again (attempt %d)", slot.name(),
                        entry.version(), entry.experimentId(), e.getMessage(), attempt + 1);
                try {
                    Thread.sleep(UNREACHABLE_RETRY.toMillis());
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }
        }
    }

    /**
     * The artefact of {@code entry}, read again and checked against its headers; empty when the record
     * is gone or bad (refused by its offset: another record may hold the real version).
     *
     * @throws ArtefactUnreachableException when the topic could not be read in time (nothing refused)
     */
    private Optional<ModelArtefact> fetch(ModelSlot slot, PublishedVersions.Entry entry) {
        try {
            // decoding verifies the parameters against the manifest's sha256; the entry (the record's
            // headers) must then agree with the manifest
            ModelArtefact artefact = ArtefactCodec.decode(fetcher.fetch(entry.offset()));
            String label = artefact.manifest().networkSpec().label();
            if (!label.equals(slot.artefactKey())) {
                throw new ArtefactException("offset " + entry.offset() + ": manifest says " + label
                        + " but it was published as " + slot.artefactKey());
            }
            Optional<String> disagreement = entry.disagreement(artefact.manifest());
            if (disagreement.isPresent()) {
                throw new ArtefactException("offset " + entry.offset() + ": " + disagreement.get());
            }
            return Optional.of(artefact);
        } catch (ArtefactUnreachableException e) {
            throw e;
        } catch (ArtefactException | IllegalStateException e) {
            metrics.modelRefused(slot.name());
            slot.refused().add(entry.version(), entry.experimentId(), "cannot be read again from the models topic: "
                    + e.getMessage(), entry.offset());
            LOG.warnf("%s: the record of %s (%s) at offset %d refused, the live version keeps serving: %s",
                    slot.name(), entry.version(), entry.experimentId(), entry.offset(), e.getMessage());
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
            next = engine.load(slot.name(), artefact);
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
        refuse(slot, manifest == null ? null : manifest.version(), manifest == null ? null : manifest.experimentId(),
                reason);
    }

    private void refuse(ModelSlot slot, String version, String experiment, String reason) {
        metrics.modelRefused(slot.name());
        slot.refused().add(version, experiment, reason);
        LOG.warnf("%s: artefact refused, the live version keeps serving: %s%s", slot.name(),
                version == null ? "" : version + " (" + experiment + "): ", reason);
    }
}
