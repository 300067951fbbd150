package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.health.GrpcServingStatus;
import dev.fmnist.inference.messaging.ArtefactFetcher;
import dev.fmnist.inference.messaging.ModelControlTopic;
import dev.fmnist.inference.metrics.ServingMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A replica's serving beans wired as CDI wires them, without Quarkus, for tests outside this package
 * that drive its start-up on a real broker: the real repository, selector, slots, metrics and engine
 * (on the CPU), the fetcher and control topic they are given. It records the live version of each
 * served model every time readiness is republished, so a test can tell what the replica was ever ready
 * with.
 */
public final class TestReplica implements AutoCloseable {

    public final MeterRegistry registry = new SimpleMeterRegistry();
    public final ModelRepository repository = new ModelRepository();
    /** Per readiness update while every model was live: the first served model's live version. */
    public final List<String> readyWith = new CopyOnWriteArrayList<>();

    private TestReplica(List<String> models, double minTestAccuracy, String prefix, ArtefactFetcher fetcher,
            ModelControlTopic control) {
        ServingMetrics metrics = new ServingMetrics(registry);
        InferenceConfig config = config(models, minTestAccuracy, prefix);
        ModelSlots slots = new ModelSlots();
        slots.config = config;
        slots.metrics = metrics;
        slots.engine = TinyArtefacts.ENGINE;
        slots.create();
        ServingEngine engine = new ServingEngine();
        engine.engine = TinyArtefacts.ENGINE;
        engine.config = config;
        engine.readForms();
        ModelSelector selector = SelectorFixture.selector(engine, metrics, config, fetcher, new GrpcServingStatus() {
            @Override
            public void update() {
                if (slots.allReady()) {
                    readyWith.add(slots.all().iterator().next().manifest().orElseThrow().version());
                }
            }
        });
        repository.slots = slots;
        repository.selector = selector;
        repository.control = control;
        repository.config = config;
    }

    /** A replica serving {@code models} with the accuracy floor {@code minTestAccuracy}, on topics under {@code prefix}. */
    public static TestReplica of(List<String> models, double minTestAccuracy, String prefix, ArtefactFetcher fetcher,
            ModelControlTopic control) {
        return new TestReplica(models, minTestAccuracy, prefix, fetcher, control);
    }

    /** The settings such a replica runs with. */
    public static InferenceConfig config(List<String> models, double minTestAccuracy, String prefix) {
        return TinyArtefacts.config(Map.of("fmnist.serving.models", String.join(",", models),
                "fmnist.serving.min-test-accuracy", String.valueOf(minTestAccuracy), "fmnist.kafka.topic-prefix", prefix));
    }

    /** A real MLP artefact trained in well under a second with {@code seed}, published by {@code experimentId}. */
    public static ModelArtefact train(long seed, String experimentId) {
        return TinyArtefacts.train(seed, experimentId);
    }

    /** The same parameters (so the same version) with a manifest that says {@code testAccuracy}. */
    public static ModelArtefact withAccuracy(ModelArtefact artefact, double testAccuracy) {
        return TinyArtefacts.withAccuracy(artefact, testAccuracy);
    }

    /** The live version of {@code model}, or "(none)". */
    public String live(String model) {
        return repository.find(model).flatMap(ModelSlot::manifest).map(m -> m.version()).orElse("(none)");
    }

    /** The versions indexed for {@code model}, newest first. */
    public List<String> indexed(String model) {
        return repository.find(model).orElseThrow().published().newestFirst().stream()
                .map(PublishedVersions.Entry::version).toList();
    }

    /** The reasons {@code model}'s refusals give, oldest first. */
    public List<String> refusals(String model) {
        return repository.find(model).orElseThrow().refused().all().stream().map(r -> r.getReason()).toList();
    }

    /** {@code fmnist_inference_model_loads_total{model,result}}: {@code loaded} or {@code refused}. */
    public double loads(String model, String result) {
        return registry.counter("fmnist.inference.model.loads", "model", model, "result", result).count();
    }

    /** Whether {@code network} is served here. */
    public boolean serves(NetworkSpec network) {
        return repository.find(network.servingName()).isPresent();
    }

    @Override
    public void close() {
        for (ModelSlot slot : repository.all()) {
            slot.stop();
            slot.live().peek().ifPresent(ServedModel::retire);
        }
    }
}
