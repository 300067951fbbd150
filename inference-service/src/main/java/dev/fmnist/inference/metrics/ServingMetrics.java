package dev.fmnist.inference.metrics;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.engine.util.ProcessMemory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Model lifecycle metrics; request latency and codes come from Quarkus's gRPC server metrics. */
@ApplicationScoped
public class ServingMetrics {

    @Inject
    MeterRegistry registry;

    private MultiGauge modelInfo;
    /** The live version of each served model, by name. */
    private final Map<String, ModelManifest> live = new ConcurrentHashMap<>();

    @PostConstruct
    void register() {
        modelInfo = MultiGauge.builder("fmnist.inference.model.info")
                .description("the live model (value 1), labelled by version and architecture").register(registry);
        Gauge.builder("fmnist.process.resident.memory", ProcessMemory::rssBytes).baseUnit("bytes")
                .description("resident set size, native memory included").register(registry);
    }

    /** {@code model} now serves {@code manifest}: one info row per served model. */
    public synchronized void modelLoaded(String model, ModelManifest manifest) {
        registry.counter("fmnist.inference.model.loads", "model", model, "result", "loaded").increment();
        live.put(model, manifest);
        modelInfo.register(live.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("model", e.getKey(), "version",
                e.getValue().version(), "architecture", e.getValue().networkSpec().label()), 1)).toList(), true);
    }

    public void modelRefused(String model) {
        registry.counter("fmnist.inference.model.loads", "model", model, "result", "refused").increment();
    }
}
