package dev.fmnist.contract.experiments;

import java.util.List;

/**
 * One child experiment per value of one parameter.
 *
 * @param parameter {@code k}, {@code learningRate} or {@code batchSize}
 * @param values the values, in the order the children run
 */
public record Sweep(String parameter, List<Double> values) {

    public static final List<String> PARAMETERS = List.of("k", "learningRate", "batchSize");
    public static final int MAX_VALUES = 20;

    public Sweep {
        values = List.copyOf(values);
    }
}
