package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.OPTIMIZER;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The optimisers a run can use. */
public enum OptimizerKind {
    /** The seed's: Adam with PyTorch's defaults (betas 0.9/0.999, eps 1e-8, no weight decay). */
    ADAM,
    /** Stochastic gradient descent with momentum. */
    SGD;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static OptimizerKind fromId(String id) {
        String wanted = id == null ? "" : id.trim().toUpperCase(Locale.ROOT);
        return Arrays.stream(values()).filter(o -> o.name().equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(OPTIMIZER + ": unknown '" + id + "', expected one of "
                        + Arrays.stream(values()).map(OptimizerKind::id).collect(Collectors.joining(", "))));
    }
}
