package dev.fmnist.contract.experiments;

import static dev.fmnist.contract.fields.RequestFields.MEDIAN_STOPPING;
import static dev.fmnist.contract.fields.RequestFields.MIN_TRIALS;
import static dev.fmnist.contract.fields.RequestFields.PARALLEL_TRIALS;
import static dev.fmnist.contract.fields.RequestFields.PARAMETER;
import static dev.fmnist.contract.fields.RequestFields.SEED;
import static dev.fmnist.contract.fields.RequestFields.SPACE;
import static dev.fmnist.contract.fields.RequestFields.SWEEP;
import static dev.fmnist.contract.fields.RequestFields.TRIALS;
import static dev.fmnist.contract.fields.RequestFields.TYPE;
import static dev.fmnist.contract.fields.RequestFields.VALUES;
import static dev.fmnist.contract.fields.RequestFields.path;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.fmnist.contract.fields.RequestFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Child experiments over a recipe's options: a grid (one child per value of one parameter) or a
 * random search (trials drawing every option of a search space, reproducibly from the sweep's seed).
 *
 * @param type grid (null reads as grid: sweeps written before random search) or random
 * @param parameter grid: {@code k}, {@code learningRate} or {@code batchSize}
 * @param values grid: the values, in the order the children run
 * @param trials random: how many trials
 * @param seed random: seeds the draws (not the trials' own training seed)
 * @param space random: the options searched and where each is drawn from
 * @param medianStopping random: stop trials below the median; null for never
 * @param parallelTrials how many children may train at once across the trainer group; null for all
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Sweep(String type, String parameter, List<Double> values, Integer trials, Long seed,
        Map<String, SearchDistribution> space, MedianStopping medianStopping, Integer parallelTrials) {

    public static final String GRID = "grid";
    public static final String RANDOM = "random";
    public static final List<String> TYPES = List.of(GRID, RANDOM);
    public static final List<String> PARAMETERS = List.of(RequestFields.K, RequestFields.LEARNING_RATE,
            RequestFields.BATCH_SIZE);
    /** The numeric options a random search may draw; k and batchSize are rounded to whole numbers. */
    public static final List<String> SEARCHABLE = List.of(RequestFields.LEARNING_RATE, RequestFields.BATCH_SIZE,
            RequestFields.K, RequestFields.MOMENTUM, RequestFields.WEIGHT_DECAY, RequestFields.LABEL_SMOOTHING,
            RequestFields.DROPOUT);
    public static final List<String> WHOLE = List.of(RequestFields.K, RequestFields.BATCH_SIZE);
    public static final int MAX_VALUES = 20;
    public static final int MAX_TRIALS = 100;
    /** Mixed into the seed: the draws are not any training run's stream. */
    private static final long DRAW_SALT = 0x7472696c73L; // "trils"

    public Sweep {
        type = type == null ? GRID : type;
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException(path(SWEEP, TYPE) + ": must be one of " + TYPES + ", got \"" + type + "\"");
        }
        if (parallelTrials != null && (parallelTrials < 1 || parallelTrials > MAX_TRIALS)) {
            throw new IllegalArgumentException(path(SWEEP, PARALLEL_TRIALS) + ": must be between 1 and " + MAX_TRIALS + ", got "
                    + parallelTrials);
        }
        if (type.equals(GRID)) {
            if (parameter == null || !PARAMETERS.contains(parameter)) { // List.of's contains throws on null
                throw new IllegalArgumentException(path(SWEEP, PARAMETER) + ": must be one of " + PARAMETERS + ", got "
                        + (parameter == null ? "nothing" : "\"" + parameter + "\""));
            }
            if (values == null || values.isEmpty() || values.size() > MAX_VALUES) {
                throw new IllegalArgumentException(path(SWEEP, VALUES) + ": must be an array of 1 to " + MAX_VALUES + " numbers");
            }
            values = List.copyOf(values);
            if (values.stream().distinct().count() != values.size()) {
                throw new IllegalArgumentException(path(SWEEP, VALUES) + ": must not repeat a value");
            }
            if (trials != null || space != null || medianStopping != null || seed != null) {
                throw new IllegalArgumentException(path(SWEEP, trials != null ? TRIALS : space != null ? SPACE
                        : seed != null ? SEED : MEDIAN_STOPPING) + ": belongs to a random search (\"type\": \"random\")");
            }
        } else {
            if (parameter != null || values != null) {
                throw new IllegalArgumentException(path(SWEEP, parameter != null ? PARAMETER : VALUES)
                        + ": belongs to a grid; a random search draws from \"space\"");
            }
            if (trials == null || trials < 1 || trials > MAX_TRIALS) {
                throw new IllegalArgumentException(path(SWEEP, TRIALS) + ": must be between 1 and " + MAX_TRIALS + ", got " + trials);
            }
            if (space == null || space.isEmpty()) {
                throw new IllegalArgumentException(path(SWEEP, SPACE) + ": must name at least one of " + SEARCHABLE);
            }
            for (String name : space.keySet()) {
                if (!SEARCHABLE.contains(name)) {
                    throw new IllegalArgumentException(path(SWEEP, SPACE, name) + ": is not searchable; searchable: "
                            + SEARCHABLE);
                }
            }
            if (medianStopping != null && medianStopping.minTrials() >= trials) {
                throw new IllegalArgumentException(path(SWEEP, MEDIAN_STOPPING, MIN_TRIALS) + ": must be below trials (" + trials
                        + "), or no trial could ever be compared, got " + medianStopping.minTrials());
            }
            space = Collections.unmodifiableSortedMap(new TreeMap<>(space)); // sorted: the draw order, and so the trials, follow from the names
            seed = seed == null ? 0L : seed;
        }
    }

    /** A grid over one parameter. */
    public static Sweep grid(String parameter, List<Double> values) {
        return new Sweep(GRID, parameter, values, null, null, null, null, null);
    }

    /** A random search. */
    public static Sweep random(int trials, long seed, Map<String, SearchDistribution> space,
            MedianStopping medianStopping, Integer parallelTrials) {
        return new Sweep(RANDOM, null, null, trials, seed, space, medianStopping, parallelTrials);
    }

    /** This sweep with at most {@code parallelTrials} children training at once; null for all. */
    public Sweep withParallelTrials(Integer parallelTrials) {
        return new Sweep(type, parameter, values, trials, seed, space, medianStopping, parallelTrials);
    }

    @JsonIgnore
    public boolean isRandom() {
        return type.equals(RANDOM);
    }

    /** How many children. */
    @JsonIgnore
    public int size() {
        return isRandom() ? trials : values.size();
    }

    /** The children's ids, in order: {@code parent/k=3} for a grid, {@code parent/trial=0} for a random search. */
    public List<String> childIds(String parentId) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < size(); i++) {
            ids.add(isRandom() ? parentId + "/trial=" + i : ExperimentRequest.childId(parentId, parameter, values.get(i)));
        }
        return ids;
    }

    /**
     * The options each child sets, in the children's order: a grid's one value each, or each trial's
     * draws (trial after trial, every option in name order, from one generator: so trial i is the same
     * wherever it is computed).
     */
    @JsonIgnore
    public List<Map<String, Double>> childOptions() {
        List<Map<String, Double>> children = new ArrayList<>();
        if (!isRandom()) {
            values.forEach(value -> children.add(Map.of(parameter, value)));
            return children;
        }
        // SplittableRandom: java.util.Random's first draws from neighbouring seeds are alike (seeds 0-39
        // all gave the same first choice of two)
        SplittableRandom random = new SplittableRandom(seed ^ DRAW_SALT);
        for (int trial = 0; trial < trials; trial++) {
            Map<String, Double> drawn = new LinkedHashMap<>();
            space.forEach((option, distribution) -> {
                double value = distribution.draw(random);
                drawn.put(option, WHOLE.contains(option) ? Math.rint(value) : value);
            });
            children.add(Collections.unmodifiableMap(drawn));
        }
        return children;
    }
}
