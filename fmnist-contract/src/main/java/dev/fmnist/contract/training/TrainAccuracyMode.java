package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.TRAIN_ACCURACY;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How the per-epoch training accuracy is measured. */
public enum TrainAccuracyMode {
    /** As the seed: an evaluation pass over the whole training set after the epoch. */
    EVALUATION_PASS("evaluation"),
    /** Free: the accuracy of the training batches' own forward passes during the epoch. */
    RUNNING("running"),
    /** Not measured. */
    NONE("none");

    private final String id;

    TrainAccuracyMode(String id) {
        this.id = id;
    }

    /** The name a request uses. */
    public String id() {
        return id;
    }

    /** Looks a request's name up (or the constant's own name, as the command line and manifests write it). */
    public static TrainAccuracyMode fromId(String id) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(m -> m.id.equals(wanted) || m.name().toLowerCase(Locale.ROOT).equals(wanted))
                .findFirst().orElseThrow(() -> new IllegalArgumentException(TRAIN_ACCURACY + ": must be one of "
                        + Arrays.stream(values()).map(TrainAccuracyMode::id).collect(Collectors.joining(", "))
                        + ", got \"" + id + "\""));
    }
}
