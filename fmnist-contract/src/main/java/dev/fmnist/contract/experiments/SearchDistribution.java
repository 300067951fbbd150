package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.fmnist.contract.fields.RequestFields;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Where a random search draws one option from, written as one of {@code {"uniform": [low, high]}},
 * {@code {"logUniform": [low, high]}} (uniform in the logarithm: as likely between 0.0001 and 0.001 as
 * between 0.001 and 0.01) or {@code {"choice": [v1, v2, ...]}}.
 *
 * @param kind uniform, logUniform or choice
 * @param values the two bounds (low below high), or the choices
 */
public record SearchDistribution(String kind, List<Double> values) {

    public static final String UNIFORM = RequestFields.UNIFORM;
    public static final String LOG_UNIFORM = RequestFields.LOG_UNIFORM;
    public static final String CHOICE = RequestFields.CHOICE;
    public static final List<String> KINDS = RequestFields.DISTRIBUTION_FIELDS;
    public static final int MAX_CHOICES = 20;

    public SearchDistribution {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("must be one of " + KINDS + ", got " + kind);
        }
        values = List.copyOf(values);
        if (values.stream().anyMatch(v -> v == null || !Double.isFinite(v))) {
            throw new IllegalArgumentException(kind + ": values must be finite numbers, got " + values);
        }
        if (kind.equals(CHOICE)) {
            if (values.isEmpty() || values.size() > MAX_CHOICES) {
                throw new IllegalArgumentException(CHOICE + ": must list 1 to " + MAX_CHOICES + " values, got " + values.size());
            }
        } else if (values.size() != 2 || !(values.get(0) < values.get(1))) {
            throw new IllegalArgumentException(kind + ": must be [low, high] with low below high, got " + values);
        } else if (kind.equals(LOG_UNIFORM) && values.get(0) <= 0) {
            throw new IllegalArgumentException(LOG_UNIFORM + ": bounds must be above 0, got " + values);
        }
    }

    /** Reads the one-key JSON form. */
    @JsonCreator
    public static SearchDistribution of(Map<String, List<Double>> form) {
        if (form == null || form.size() != 1) {
            throw new IllegalArgumentException("must have exactly one of " + KINDS);
        }
        Map.Entry<String, List<Double>> only = form.entrySet().iterator().next();
        return new SearchDistribution(only.getKey(), only.getValue() == null ? List.of() : only.getValue());
    }

    @JsonValue
    public Map<String, List<Double>> form() {
        return Map.of(kind, values);
    }

    /** One draw. */
    public double draw(RandomGenerator random) {
        return switch (kind) {
            case UNIFORM -> values.get(0) + random.nextDouble() * (values.get(1) - values.get(0));
            case LOG_UNIFORM -> Math.exp(Math.log(values.get(0))
                    + random.nextDouble() * (Math.log(values.get(1)) - Math.log(values.get(0))));
            default -> values.get(random.nextInt(values.size()));
        };
    }
}
