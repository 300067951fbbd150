package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.serving.ModelControl;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * One served model, as the Open Inference Protocol names it ({@code better}, {@code compare-k3}): the
 * version live now, its own batcher and statistics, the artefacts published for it, the ones refused,
 * and what the model-control topic says it runs. What goes live is decided by {@code ModelSelector}.
 */
public final class ModelSlot {

    static final int PREVIOUS_KEPT = 16;

    private final String name;
    private final NetworkSpec network;
    private final LiveModel live;
    private final DynamicBatcher batcher;
    private final InferenceStats stats;
    private final RefusedArtefacts refused = new RefusedArtefacts();
    private final PublishedVersions published = new PublishedVersions();
    private final Deque<String> previous = new ArrayDeque<>();
    private volatile ModelControl control;
    private volatile String problem;

    ModelSlot(NetworkSpec network, LiveModel live, DynamicBatcher batcher, InferenceStats stats) {
        this.name = network.servingName();
        this.network = network;
        this.live = live;
        this.batcher = batcher;
        this.stats = stats;
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

    /** Makes {@code next} live, remembering the version it replaces. */
    synchronized void swap(ServedModel next) {
        live.peek().map(m -> m.manifest().version()).ifPresent(old -> {
            previous.addFirst(old);
            if (previous.size() > PREVIOUS_KEPT) {
                previous.removeLast();
            }
        });
        // the version's statistics exist, at zero, from the moment it is live: Triton's statistics list every
        // loaded version before its first inference, and clients (tritonclient, perf_analyzer) read them so
        stats.version(next.manifest().version());
        live.swap(next);
    }

    /** Versions live before this one, newest first. */
    public synchronized List<String> previousVersions() {
        return List.copyOf(previous);
    }

    void stop() {
        batcher.stop();
    }
}
