package dev.fmnist.inference.serving;

import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.ServingMetrics;
import io.grpc.Status;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The models this server serves ({@code fmnist.serving.models}), by name: each its own slot with its
 * own batcher. An unknown or repeated name stops the start-up, naming the setting.
 */
@ApplicationScoped
public class ModelSlots {

    static final String SETTING = "fmnist.serving.models";

    @Inject
    InferenceConfig config;

    @Inject
    ServingMetrics metrics;

    @Inject
    ComputeEngine engine; // made, its threads set, before the first batcher starts

    private final Map<String, ModelSlot> slots = new LinkedHashMap<>();

    @PostConstruct
    void create() {
        for (String name : config.serving().models()) {
            NetworkSpec network;
            try {
                network = NetworkSpec.fromServingName(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(SETTING + ": " + e.getMessage(), e);
            }
            if (slots.containsKey(network.servingName())) {
                throw new IllegalArgumentException(SETTING + ": '" + name + "' is listed twice");
            }
            String served = network.servingName();
            LiveModel live = new LiveModel(served);
            InferenceStats stats = new InferenceStats(served);
            DynamicBatcher batcher = new DynamicBatcher(served, live, stats, config.serving().batching(),
                    metrics.servedModel(served));
            // a challenger batches as the champion does; its figures go to the same model's meters and
            // statistics, under its own version
            ModelSlot.Batchers challengers = challengerLive -> new DynamicBatcher(served + "-challenger",
                    challengerLive, stats, config.serving().batching(), metrics.servedModel(served));
            slots.put(served, new ModelSlot(network, live, batcher, stats, challengers));
        }
        if (slots.isEmpty()) {
            throw new IllegalArgumentException(SETTING + ": lists no model; name at least one, e.g. better");
        }
    }

    @PreDestroy
    void stop() {
        slots.values().forEach(ModelSlot::stop);
    }

    /** In the order the setting lists them. */
    public Collection<ModelSlot> all() {
        return slots.values();
    }

    public Optional<ModelSlot> find(String name) {
        return Optional.ofNullable(slots.get(name));
    }

    /** The slot whose artefacts carry {@code key} on the models topic, e.g. {@code compare(k=3)}. */
    public Optional<ModelSlot> forArtefactKey(String key) {
        return slots.values().stream().filter(s -> s.artefactKey().equals(key)).findFirst();
    }

    /**
     * The model a request names ({@code field} says where), the first listed when the name is empty;
     * NOT_FOUND naming the field and the served models otherwise.
     */
    public ModelSlot require(String name, String field) {
        if (name == null || name.isEmpty()) {
            return slots.values().iterator().next();
        }
        ModelSlot slot = slots.get(name);
        if (slot == null) {
            throw Status.NOT_FOUND.withDescription(field + ": unknown model '" + name + "'; this server serves "
                    + String.join(", ", slots.keySet())).asRuntimeException();
        }
        return slot;
    }

    /** Whether every served model has a version live (Triton's strict readiness). */
    public boolean allReady() {
        return slots.values().stream().allMatch(ModelSlot::ready);
    }
}
