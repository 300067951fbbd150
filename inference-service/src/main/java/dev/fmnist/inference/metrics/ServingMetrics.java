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
import java.util.List;

/** Model lifecycle metrics; request latency and codes come from Quarkus's gRPC server metrics. */
@ApplicationScoped
public class ServingMetrics {

    @Inject
    MeterRegistry registry;

    private MultiGauge modelInfo;

    @PostConstruct
    void register() {
        modelInfo = MultiGauge.builder("fmnist.inference.model.info")
                .description("the live model (value 1), labelled by version and architecture").register(registry);
        Gauge.builder("fmnist.process.resident.memory", ProcessMemory::rssBytes).baseUnit("bytes")
                .description("resident set size, native memory included").register(registry);
    }

    public void modelLoaded(ModelManifest manifest) {
        registry.counter("fmnist.inference.model.loads", "result", "loaded").increment();
        modelInfo.register(List.of(MultiGauge.Row.of(Tags.of("version", manifest.version(),
                "architecture", manifest.networkSpec().label()), 1)), true);
    }

    public void modelRefused() {
        registry.counter("fmnist.inference.model.loads", "result", "refused").increment();
    }
}
