package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.engine.inference.ForwardForm;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import org.jboss.logging.Logger;

/**
 * One served model, as the Open Inference Protocol names it ({@code better}, {@code compare-k3}): the
 * version live now, its own batcher and statistics, the artefacts published for it, the ones refused,
 * and what the model-control topic says it runs. What goes live is decided by {@code ModelSelector}.
 *
 * <p>Beside its champion (the live version) a slot may hold one challenger, with a model and batcher
 * of its own: in {@link ChallengerMode#SHADOW} it computes a share of requests after the champion
 * answered them, in {@link ChallengerMode#CANARY} it answers a share itself. {@link #route} says who
 * answers a request; a client may name either by version or by alias ({@value ModelControl#CHAMPION},
 * {@value ModelControl#CHALLENGER}).
 */
public final class ModelSlot {

    private static final Logger LOG = Logger.getLogger(ModelSlot.class);
    static final int PREVIOUS_KEPT = 16;
    /** How long a retired challenger's requests in flight are given to be answered before its batcher stops. */
    static final Duration DRAIN = Duration.ofSeconds(2);

    /** A challenger served beside the champion: its own loaded model and batcher (the champion's settings). */
    public record Challenger(String version, ChallengerMode mode, double share, LiveModel live,
            DynamicBatcher batcher) {

        /** Whether {@code versionOrExperiment} names it: its version, or the experiment that published it. */
        public boolean answersTo(String versionOrExperiment) {
            return version.equals(versionOrExperiment) || live.peek().map(m -> versionOrExperiment.equals(
                    m.manifest().experimentId())).orElse(false);
        }

        /** Its manifest, while it is loaded. */
        public Optional<ModelManifest> manifest() {
            return live.peek().map(ServedModel::manifest);
        }
    }

    /** Who answers a request: the batcher it goes to, and the role its answer is logged with. */
    public record Route(DynamicBatcher batcher, PredictionRole role) {}

    /** The route that took a request ({@link #submit}), and its answer to come. */
    public record Submitted(Route route, CompletableFuture<DynamicBatcher.Result> answer) {}

    private record Retirement(Challenger challenger, boolean promoted) {}

    /** Makes a challenger's batcher over its {@code LiveModel}, with the champion's batching settings. */
    @FunctionalInterface
    public interface Batchers {
        DynamicBatcher make(LiveModel live);

        /** For slots that never hold a challenger (tests of the champion alone). */
        Batchers NONE = live -> {
            throw new IllegalStateException("this slot was made without challenger batchers");
        };
    }

    private final String name;
    private final NetworkSpec network;
    private final LiveModel live;
    private final DynamicBatcher batcher;
    private final InferenceStats stats;
    private final Batchers batchers;
    private final RefusedArtefacts refused = new RefusedArtefacts();
    private final PublishedVersions published = new PublishedVersions();
    /** Newest first; replaced whole (copy on write) so request threads read it without the slot's lock. */
    private volatile List<String> previous = List.of();
    /** Challengers taken out under the lock, drained and freed after it ({@link #retirePending}); guarded by this. */
    private final List<Retirement> retiring = new ArrayList<>();
    private volatile ModelControl control;
    private volatile String problem;
    private volatile Challenger challenger;
    private volatile ChallengerProblem challengerProblem;
    /** The CANARY draw: uniform in [0, 1); a test sets a seeded one. */
    private volatile DoubleSupplier draw = () -> ThreadLocalRandom.current().nextDouble();

    ModelSlot(NetworkSpec network, LiveModel live, DynamicBatcher batcher, InferenceStats stats) {
        this(network, live, batcher, stats, Batchers.NONE);
    }

    ModelSlot(NetworkSpec network, LiveModel live, DynamicBatcher batcher, InferenceStats stats, Batchers batchers) {
        this.name = network.servingName();
        this.network = network;
        this.live = live;
        this.batcher = batcher;
        this.stats = stats;
        this.batchers = batchers;
    }

    /** The Open Inference Protocol model name, e.g. {@code compare-k3}. */
    public String name() {
        return name;
    }

    public NetworkSpec network() {
        return network;
    }

    /** The key its artefacts carry on the models topic, e.g. {@code compare(k=3)}. */
    public String artefactKey() {
        return network.label();
    }

    public LiveModel live() {
        return live;
    }

    public DynamicBatcher batcher() {
        return batcher;
    }

    public InferenceStats stats() {
        return stats;
    }

    public RefusedArtefacts refused() {
        return refused;
    }

    public PublishedVersions published() {
        return published;
    }

    /** The live version's manifest, if one is loaded. */
    public Optional<ModelManifest> manifest() {
        return live.peek().map(ServedModel::manifest);
    }

    /** How the live model runs its forward pass, once one is loaded. */
    public Optional<ForwardForm> form() {
        return live.peek().map(ServedModel::form);
    }

    public boolean ready() {
        return live.peek().isPresent();
    }

    /** The last control record applied, if any. */
    public Optional<ModelControl> control() {
        return Optional.ofNullable(control);
    }

    void control(ModelControl control) {
        this.control = control;
    }

    /** The version it is pinned to, if it is. */
    public Optional<String> pinned() {
        return control().flatMap(ModelControl::pinnedVersion);
    }

    /** Why what is live is not what it should be (a pin that cannot be served), or empty. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    void problem(String problem) {
        this.problem = problem;
    }

    /** The challenger served beside the champion, if any. */
    public Optional<Challenger> challenger() {
        return Optional.ofNullable(challenger);
    }

    /** Why the named challenger is not served, in words, and whether because this replica cannot load it. */
    private record ChallengerProblem(String message, boolean unloadable) {}

    /** Why the challenger the control record names is not served (not seen, not loadable), or empty. */
    public Optional<String> challengerProblem() {
        ChallengerProblem p = challengerProblem;
        return p == null ? Optional.empty() : Optional.of(p.message());
    }

    /** Why the challenger the control record names was refused here (its artefact cannot be loaded, see refused), or empty. */
    public Optional<String> challengerUnloadable() {
        ChallengerProblem p = challengerProblem; // one read: the message and the flag of the same problem
        return p != null && p.unloadable() ? Optional.of(p.message()) : Optional.empty();
    }

    /** Not served for a reason that may pass (not seen yet, not readable now, the champion itself); null: none. */
    void challengerProblem(String problem) {
        this.challengerProblem = problem == null ? null : new ChallengerProblem(problem, false);
    }

    /** Not served because its artefact cannot be loaded here. */
    void challengerUnloadable(String problem) {
        this.challengerProblem = new ChallengerProblem(problem, true);
    }

    void draw(DoubleSupplier draw) {
        this.draw = draw;
    }

    /**
     * Who answers a request that names {@code versionOrAlias} ({@code field} says where): empty, the
     * slot's policy (the champion, or the CANARY challenger for its share of draws); the champion's
     * version or {@value ModelControl#CHAMPION}, the champion; the challenger's version or
     * {@value ModelControl#CHALLENGER}, the challenger. NOT_FOUND naming the field and what is served
     * otherwise. While nothing is live a version is not contradicted: the champion's batcher answers
     * UNAVAILABLE.
     */
    public Route route(String versionOrAlias, String field) {
        Challenger c = challenger;
        if (versionOrAlias == null || versionOrAlias.isEmpty()) {
            if (c != null && c.mode() == ChallengerMode.CANARY && draw.getAsDouble() < c.share()) {
                return new Route(c.batcher(), PredictionRole.CANARY);
            }
            return new Route(batcher, PredictionRole.SERVED);
        }
        if (versionOrAlias.equals(ModelControl.CHAMPION)) {
            return new Route(batcher, PredictionRole.SERVED);
        }
        if (versionOrAlias.equals(ModelControl.CHALLENGER)) {
            if (c == null) {
                throw Status.NOT_FOUND.withDescription(field + ": model '" + name + "' has no challenger now"
                        + manifest().map(m -> "; its champion is " + m.version()).orElse("")).asRuntimeException();
            }
            return new Route(c.batcher(), PredictionRole.CANARY);
        }
        if (c != null && c.version().equals(versionOrAlias)) {
            return new Route(c.batcher(), PredictionRole.CANARY);
        }
        Optional<String> live = manifest().map(ModelManifest::version);
        if (live.isEmpty() || live.get().equals(versionOrAlias)) {
            return new Route(batcher, PredictionRole.SERVED);
        }
        throw Status.NOT_FOUND.withDescription(field + ": '" + versionOrAlias + "' is not loaded; live is " + live.get()
                + (c == null ? "" : ", challenger " + c.version())).asRuntimeException();
    }

    /**
     * Serves {@code next} beside the champion as the challenger in {@code mode} for {@code share}; the
     * challenger before it, if any, is retired.
     */
    void challenge(ServedModel next, ChallengerMode mode, double share) {
        synchronized (this) {
            challengeLocked(next, mode, share);
        }
        retirePending();
    }

    private synchronized void challengeLocked(ServedModel next, ChallengerMode mode, double share) {
        LiveModel challengerLive = new LiveModel(name + " (challenger)");
        challengerLive.swap(next);
        String version = next.manifest().version();
        stats.version(version); // Triton's statistics list every loaded version, the challenger's too
        Challenger previous = challenger;
        challenger = new Challenger(version, mode, share, challengerLive, batchers.make(challengerLive));
        challengerProblem = null;
        if (previous != null) {
            retiring.add(new Retirement(previous, false));
        }
    }

    /** The challenger's mode and share changed, its version not: the loaded model goes on. */
    synchronized void reshape(ChallengerMode mode, double share) {
        Challenger c = challenger;
        if (c != null) {
            challenger = new Challenger(c.version(), mode, share, c.live(), c.batcher());
        }
    }

    /** Drops the challenger, if any: no new request reaches it, and its model is freed once idle. */
    void retireChallenger() {
        synchronized (this) {
            Challenger c = challenger;
            challenger = null;
            if (c != null) {
                retiring.add(new Retirement(c, false));
            }
        }
        retirePending();
    }

    /**
     * Makes the challenger the champion, the same loaded model (not loaded twice); the champion it
     * replaces is retired and remembered as a previous version. False when there is no challenger
     * loaded.
     */
    boolean promoteChallenger() {
        synchronized (this) {
            Challenger c = challenger;
            if (c == null || c.live().peek().isEmpty()) {
                return false;
            }
            challenger = null;
            swap(c.live().peek().get());
            retiring.add(new Retirement(c, true));
        }
        retirePending();
        return true;
    }

    /**
     * Drains, stops and frees the challengers retired, promoted or replaced since the last call, off
     * the slot's lock: draining takes up to {@link #DRAIN}, and nothing else waits on the slot meanwhile.
     * Called with the lock held (a {@code ModelSelector} decision in progress) it does nothing: the
     * caller calls it again once its decision is taken.
     */
    void retirePending() {
        if (Thread.holdsLock(this)) {
            return;
        }
        List<Retirement> due;
        synchronized (this) {
            due = List.copyOf(retiring);
            retiring.clear();
        }
        due.forEach(r -> retire(r.challenger(), r.promoted()));
    }

    /**
     * Submits to {@code route}'s batcher. When the slot chose the route ({@code versionOrAlias} empty)
     * and a promotion or retirement stopped that challenger's batcher since, the request goes to the
     * champion instead: the client asked for no one in particular, and the champion can answer it.
     */
    public Submitted submit(Route route, String versionOrAlias, float[] pixels, int count) {
        try {
            return new Submitted(route, route.batcher().submit(pixels, count));
        } catch (StatusRuntimeException e) {
            boolean slotsChoice = versionOrAlias == null || versionOrAlias.isEmpty();
            Challenger now = challenger;
            boolean gone = now == null || now.batcher() != route.batcher(); // retired or promoted since
            if (!slotsChoice || route.batcher() == batcher || !gone
                    || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
                throw e;
            }
            Route champion = new Route(batcher, PredictionRole.SERVED);
            return new Submitted(champion, batcher.submit(pixels, count));
        }
    }

    /**
     * Stops {@code c}'s batcher once its requests in flight are answered (at most {@link #DRAIN}), then
     * frees its model, or only lets go of it when it was promoted (the champion's now).
     */
    private void retire(Challenger c, boolean promoted) {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        // outstanding, not queued: shadow images a worker holds while they gather company are answered too
        while (c.batcher().outstanding() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        c.batcher().stop();
        if (promoted) {
            c.live().detach();
        } else {
            c.live().clear();
        }
        LOG.infof("%s: challenger %s %s", name, c.version(), promoted ? "promoted to champion" : "retired");
    }

    /** Makes {@code next} live, remembering the version it replaces. */
    synchronized void swap(ServedModel next) {
        live.peek().map(m -> m.manifest().version()).ifPresent(old -> {
            List<String> versions = new ArrayList<>(PREVIOUS_KEPT + 1);
            versions.add(old);
            versions.addAll(previous);
            previous = List.copyOf(versions.subList(0, Math.min(versions.size(), PREVIOUS_KEPT)));
        });
        // the version's statistics exist, at zero, from the moment it is live: Triton's statistics list every
        // loaded version before its first inference, and clients (tritonclient, perf_analyzer) read them so
        stats.version(next.manifest().version());
        live.swap(next);
    }

    /** Versions live before this one, newest first. */
    public List<String> previousVersions() {
        return previous; // immutable, replaced whole: no lock, so a request thread never waits on a decision
    }

    void stop() {
        batcher.stop();
        Challenger c = challenger;
        if (c != null) {
            c.batcher().stop();
        }
    }
}
