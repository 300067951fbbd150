package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.KEEP_BEST;

import java.util.Arrays;
import java.util.Locale;

/** Which epoch's weights a run publishes. */
public enum KeepBest {
    /** The last epoch's, as the seed does. */
    LAST("last"),
    /** The epoch with the best validation accuracy (needs a validation split; the test set never chooses). */
    VAL("val");

    private final String id;

    KeepBest(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static KeepBest fromId(String id) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(k -> k.id.equals(wanted)).findFirst().orElseThrow(
                () -> new IllegalArgumentException(KEEP_BEST + ": must be \"last\" or \"val\", got \"" + id + "\""));
    }
}
