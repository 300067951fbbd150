package dev.fmnist.contract.kafka;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every topic of the project with its settings: the one list that {@link TopicSetup} creates
 * (locally, in docker-compose, in Kubernetes and in the tests), that the CLI reads and writes and that
 * the services' channel configuration names. A topic's name is a prefix ({@value #DEFAULT_PREFIX} unless
 * configured) and its suffix, so a test or a second team can run on topics of its own.
 */
public enum Topic {
    /** Requests, keyed by experiment id (a sweep's children by theirs): shared by the trainer group. */
    EXPERIMENTS("experiments", Width.SHARED, "max.message.bytes", "8388608", "retention.ms", "604800000"),
    /** Rejected requests as received, with the reason in {@link Headers}. */
    EXPERIMENTS_DLQ("experiments.dlq", Width.ONE, "max.message.bytes", "8388608", "retention.ms", "2592000000"),
    /** Lifecycle events (all but PROGRESS), keyed by experiment id: the record of what ran, kept forever. */
    EXPERIMENT_EVENTS("experiment-events", Width.SHARED, "retention.ms", "-1"),
    /**
     * Where each experiment stands and which trainer holds it, keyed by experiment id: compacted, so
     * start-up and {@code fmnist list} read one record per experiment. Records stay uncompacted for
     * 10 minutes, far beyond a claim's lease, so racing claims are seen in their order by every reader.
     */
    EXPERIMENT_STATE("experiment-state", Width.SHARED, "cleanup.policy", "compact", "min.compaction.lag.ms", "600000",
            "segment.ms", "3600000", "min.cleanable.dirty.ratio", "0.1"),
    /**
     * The artefacts, keyed by architecture label, room for a 10 MB BetterNet. Compacted, but only after
     * 7 days: every version published in the last week can be pinned or rolled back to; older ones
     * leave only the newest of each architecture.
     */
    MODELS("models", Width.ONE, "cleanup.policy", "compact", "max.message.bytes", "20971520",
            "min.compaction.lag.ms", "604800000"),
    /**
     * What each served model is pinned to and which challenger it serves
     * ({@code dev.fmnist.contract.serving.ModelControl}), keyed by the served model's name: compacted,
     * so every inference replica, and one restarted, reads the last word for each model. Records stay
     * uncompacted for 30 days: they are the decision history ({@code fmnist models history}); decisions
     * are rare, so a replica's start-up still reads few.
     */
    MODEL_CONTROL("model-control", Width.ONE, "cleanup.policy", "compact", "min.compaction.lag.ms", "2592000000"),
    /** Control commands (cancels), keyed by experiment id; every trainer reads all of them. */
    EXPERIMENT_CONTROL("experiment-control", Width.ONE, "retention.ms", "86400000"),
    /** Sweep plots (PNG), keyed by {@code sweepId/sweep.png}. */
    REPORTS("reports", Width.ONE, "max.message.bytes", "8388608", "retention.ms", "-1"),
    /**
     * Training checkpoints, every record on the partition of its experiment's id, keyed under that id
     * ({@code dev.fmnist.contract.checkpoints.CheckpointManifest}): a checkpoint's chunks, then the
     * manifest that makes it current. Compacted (the newest manifest of each run is kept) and deleted
     * after 7 days (a checkpoint its run never tombstoned dies); records stay under the broker's
     * default limit, so a cluster needs no setting of its own for them.
     */
    CHECKPOINTS("checkpoints", Width.SHARED, "cleanup.policy", "compact,delete", "retention.ms", "604800000",
            "segment.ms", "3600000", "max.message.bytes", "1048588"),
    /**
     * One record per answered image, and per shadow answer ({@code dev.fmnist.contract.predictions.PredictionRecord}),
     * keyed by the prediction id; written by every inference replica. Shared width, like
     * {@link #FEEDBACK}, so the two are co-partitioned and joined by key without repartitioning. Kept 7 days.
     */
    PREDICTIONS("predictions", Width.SHARED, "retention.ms", "604800000", "max.message.bytes", "1048576"),
    /**
     * One record per label given to a prediction ({@code dev.fmnist.contract.predictions.FeedbackRecord}),
     * keyed by the prediction id, so it lands on its prediction's partition. Kept 30 days.
     */
    FEEDBACK("feedback", Width.SHARED, "retention.ms", "2592000000"),
    /**
     * The newest live accuracy of each model version ({@code dev.fmnist.contract.predictions.LiveStats}),
     * keyed {@code model/version}; written by the live-accuracy stream processor, read by every replica
     * and by {@code fmnist models live}. Compacted: one record per version.
     */
    LIVE_ACCURACY("live-accuracy", Width.ONE, "cleanup.policy", "compact", "segment.ms", "3600000",
            "min.cleanable.dirty.ratio", "0.1");

    /** Shared topics take the layout's partition count; the others need one (total order, few records). */
    enum Width { SHARED, ONE }

    public static final String DEFAULT_PREFIX = "fmnist";

    private final String suffix;
    private final Width width;
    private final Map<String, String> configs;

    Topic(String suffix, Width width, String... configs) {
        this.suffix = suffix;
        this.width = width;
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < configs.length; i += 2) {
            map.put(configs[i], configs[i + 1]);
        }
        this.configs = Map.copyOf(map);
    }

    /** The part after the prefix, e.g. {@code experiments}. */
    public String suffix() {
        return suffix;
    }

    /** The topic's name under {@code prefix}: {@code prefix.suffix}. */
    public String name(String prefix) {
        return prefix + "." + suffix;
    }

    /** The name users get: under {@value #DEFAULT_PREFIX}. */
    public String defaultName() {
        return name(DEFAULT_PREFIX);
    }

    /** Partitions under {@code layout}: its count for the topics trainers share, one for the rest. */
    public int partitions(TopicLayout layout) {
        return width == Width.SHARED ? layout.partitions() : 1;
    }

    /** Topic-level settings (retention, compaction, message size). */
    public Map<String, String> configs() {
        return configs;
    }

    /** The topic with this name under {@code prefix}, if it is one of ours. */
    public static Optional<Topic> of(String prefix, String name) {
        return Arrays.stream(values()).filter(t -> t.name(prefix).equals(name)).findFirst();
    }

    /** All suffixes, for messages. */
    public static List<String> suffixes() {
        return Arrays.stream(values()).map(Topic::suffix).toList();
    }
}
