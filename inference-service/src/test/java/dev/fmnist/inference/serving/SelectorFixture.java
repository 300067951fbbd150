package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.health.GrpcServingStatus;
import dev.fmnist.inference.messaging.ArtefactFetcher;
import dev.fmnist.inference.metrics.ServingMetrics;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@code mlp} slot and the selector that drives it, wired as CDI wires them but without Quarkus
 * or a broker: the models topic is a map of offsets the selector reads artefacts from again, as it
 * reads the topic. Shared by the selector's and the challenger's tests; {@link #selector} wires the
 * selector for {@link TestReplica} too.
 */
final class SelectorFixture implements AutoCloseable {

    /** The models topic: offset to record value. */
    final Map<Long, byte[]> modelsTopic = new ConcurrentHashMap<>();
    /** How often the selector republished readiness. */
    final AtomicInteger statusUpdates = new AtomicInteger();
    final ModelSlot slot;
    final ModelSelector selector;

    /**
     * A selector over a fresh slot, started up on an empty models topic. {@code challengers}: whether
     * the slot can serve a challenger beside its champion.
     */
    SelectorFixture(ServingEngine engine, ServingMetrics metrics, InferenceConfig config, boolean challengers) {
        slot = newSlot(metrics, challengers);
        selector = selector(engine, metrics, config, new ArtefactFetcher() {
            @Override
            public byte[] fetch(long offset) {
                byte[] value = modelsTopic.get(offset);
                if (value == null) {
                    throw new IllegalStateException("offset " + offset + " is gone (compacted)");
                }
                return value;
            }
        }, new GrpcServingStatus() {
            @Override
            public void update() {
                statusUpdates.incrementAndGet();
            }
        });
        selector.startUp(slot);
    }

    /** A selector with the beans CDI would inject. */
    static ModelSelector selector(ServingEngine engine, ServingMetrics metrics, InferenceConfig config,
            ArtefactFetcher fetcher, GrpcServingStatus servingStatus) {
        ModelSelector selector = new ModelSelector();
        selector.engine = engine;
        selector.metrics = metrics;
        selector.config = config;
        selector.fetcher = fetcher;
        selector.servingStatus = servingStatus;
        return selector;
    }

    /**
     * An {@code mlp} slot batching as {@link TinyArtefacts#BATCHING} says; with {@code challengers},
     * its challengers batch as its champion does, as {@link ModelSlots} makes them.
     */
    static ModelSlot newSlot(ServingMetrics metrics, boolean challengers) {
        NetworkSpec network = NetworkSpec.of(Architecture.MLP);
        String name = network.servingName();
        LiveModel live = new LiveModel(name);
        InferenceStats stats = new InferenceStats(name);
        DynamicBatcher batcher = new DynamicBatcher(name, live, stats, TinyArtefacts.BATCHING, metrics.servedModel(name));
        if (!challengers) {
            return new ModelSlot(network, live, batcher, stats);
        }
        return new ModelSlot(network, live, batcher, stats, challengerLive -> new DynamicBatcher(name + "-challenger",
                challengerLive, stats, TinyArtefacts.BATCHING, metrics.servedModel(name)));
    }

    /** Stops {@code slot}: its challenger retired, its batchers stopped, its live model retired. */
    static void stop(ModelSlot slot) {
        slot.retireChallenger();
        slot.stop();
        slot.live().peek().ifPresent(ServedModel::retire);
    }

    static String version(ModelArtefact artefact) {
        return artefact.manifest().version();
    }

    /** {@code artefact} written at {@code offset} of the models topic, and handed to the selector as its indexer does. */
    void publish(long offset, ModelArtefact artefact) {
        byte[] bytes = ArtefactCodec.encode(artefact);
        modelsTopic.put(offset, bytes);
        selector.published(slot, offset, bytes);
    }

    /** The slot's live version, or "(none)". */
    String live() {
        return slot.manifest().map(m -> m.version()).orElse("(none)");
    }

    @Override
    public void close() {
        stop(slot);
    }
}
