package dev.fmnist.inference.policy;

import dev.fmnist.contract.serving.ModelDecision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** {@code fmnist_policy_decisions_total{model,decision}}: the decisions this replica wrote to the model-control topic. */
public final class PolicyMetrics {

    static final String DECISIONS = "fmnist.policy.decisions";
    /** What the policy writes (HOLD never is). */
    static final Set<ModelDecision> WRITTEN = EnumSet.of(ModelDecision.CHALLENGE, ModelDecision.PROMOTE,
            ModelDecision.ROLLBACK, ModelDecision.RETIRE);

    private final MeterRegistry registry;

    public PolicyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Registers {@code model}'s counters at 0, so dashboards and alerts see 0 rather than no series at all. */
    void register(String model) {
        WRITTEN.forEach(decision -> counter(model, decision));
    }

    void decided(String model, ModelDecision decision) {
        counter(model, decision).increment();
    }

    /** How many {@code decision}s this replica wrote for {@code model}. */
    double count(String model, ModelDecision decision) {
        return counter(model, decision).count();
    }

    private Counter counter(String model, ModelDecision decision) {
        return Counter.builder(DECISIONS).tag("model", model).tag("decision", decision.name().toLowerCase(Locale.ROOT))
                .description("promotion-policy decisions written to the model-control topic").register(registry);
    }
}
