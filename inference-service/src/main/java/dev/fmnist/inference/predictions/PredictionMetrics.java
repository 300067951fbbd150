package dev.fmnist.inference.predictions;

import dev.fmnist.contract.predictions.FeedbackRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The meters of the prediction log, the feedback and the shadow scoring: their names, tags and
 * descriptions are here and nowhere else (the Grafana dashboards, the alert rules and the docs read
 * them). A model's counters are registered together the first time it is named (the log names every
 * served model at start), so they read 0 before the first record.
 */
@Singleton
public class PredictionMetrics {

    static final String LOGGED = "fmnist.predictions.logged";
    static final String DROPPED = "fmnist.predictions.dropped";
    static final String FEEDBACK_RECEIVED = "fmnist.feedback.received";
    static final String SHADOW_SCORED = "fmnist.shadow.scored";

    /** Why a record was not written: the buffer was full, the producer failed it, or it could not be made. */
    public enum DropReason {
        BUFFER, PRODUCER, INVALID;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * How a shadow answer compared with the champion's, that the challenger could not score it, or that it
     * was not tried because the champion had requests waiting (shadow scoring takes spare capacity only).
     */
    public enum ShadowOutcome {
        AGREED, DISAGREED, REFUSED, BUSY;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One model's counters, looked up once per record. */
    private record ModelCounters(Counter logged, Counter[] dropped, Counter[] shadow) {}

    private final MeterRegistry registry;
    private final Map<String, ModelCounters> models = new ConcurrentHashMap<>();
    private final Map<String, Counter> feedback = new ConcurrentHashMap<>();

    @Inject
    public PredictionMetrics(MeterRegistry registry) {
        this.registry = registry;
        for (String source : FeedbackRecord.SOURCES) {
            feedback.put(source, Counter.builder(FEEDBACK_RECEIVED).tag("source", source)
                    .description("feedback labels the broker acknowledged, by source").register(registry));
        }
    }

    /** Registers every series of {@code model} at 0. */
    public void model(String model) {
        counters(model);
    }

    private ModelCounters counters(String model) {
        ModelCounters counters = models.get(model);
        return counters != null ? counters : models.computeIfAbsent(model, this::register);
    }

    private ModelCounters register(String model) {
        Counter logged = Counter.builder(LOGGED).tag("model", model)
                .description("prediction records the broker acknowledged").register(registry);
        Counter[] dropped = new Counter[DropReason.values().length];
        for (DropReason reason : DropReason.values()) {
            dropped[reason.ordinal()] = Counter.builder(DROPPED).tag("model", model).tag("reason", reason.tag())
                    .description("prediction records not written: the buffer was full, the producer failed them, "
                            + "or they could not be made").register(registry);
        }
        Counter[] shadow = new Counter[ShadowOutcome.values().length];
        for (ShadowOutcome outcome : ShadowOutcome.values()) {
            shadow[outcome.ordinal()] = Counter.builder(SHADOW_SCORED).tag("model", model).tag("outcome", outcome.tag())
                    .description("images the challenger scored in shadow, by whether it agreed with the champion's "
                            + "answer, or refused (its queue was full)").register(registry);
        }
        return new ModelCounters(logged, dropped, shadow);
    }

    /** {@code count} records of {@code model} acknowledged by the broker. */
    public void logged(String model, long count) {
        counters(model).logged().increment(count);
    }

    /** {@code count} records of {@code model} not written, for {@code reason}. */
    public void dropped(String model, DropReason reason, long count) {
        counters(model).dropped()[reason.ordinal()].increment(count);
    }

    /** {@code count} images of {@code model} scored in shadow with {@code outcome}. */
    public void shadow(String model, ShadowOutcome outcome, long count) {
        counters(model).shadow()[outcome.ordinal()].increment(count);
    }

    /** One feedback label recorded, from {@code source} (one of {@link FeedbackRecord#SOURCES}). */
    public void feedback(String source) {
        Counter counter = feedback.get(source);
        if (counter != null) {
            counter.increment();
        }
    }
}
