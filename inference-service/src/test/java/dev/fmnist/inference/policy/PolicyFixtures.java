package dev.fmnist.inference.policy;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Manifests and live statistics made by hand for the policy's tests: every figure chosen. */
final class PolicyFixtures {

    static final String MODEL = "better";

    private PolicyFixtures() {}

    /** A BetterNet manifest whose one epoch measured {@code val} on its validation split (NaN: none) and {@code test}. */
    static ModelManifest manifest(String version, double val, double test) {
        return manifest(version, KeepBest.LAST, test, new double[] {val});
    }

    /** Epochs with these validation accuracies (the first NaN: no split), published as {@code keepBest} says. */
    static ModelManifest manifest(String version, KeepBest keepBest, double test, double... vals) {
        HyperParameters hp = HyperParameters.builder().optValidationSplit(Double.isNaN(vals[0]) ? 0 : 5000)
                .optKeepBest(keepBest).build();
        List<EpochMetrics> epochs = new ArrayList<>();
        for (int i = 0; i < vals.length; i++) {
            epochs.add(new EpochMetrics(i + 1, 10, 0.3, 0.9, test, 1, 1000, 1L << 30, vals[i], 0.3));
        }
        return ModelManifest.of(NetworkSpec.of(Architecture.BETTER), "exp-" + version.charAt(0), hp, 55000, epochs, test,
                2342090, "cpu()", "0.33.0", "2.5.1", "2026-12-06T12:00:00Z", version + "0123456789abcdef0123456789abcdef");
    }

    /** Live statistics whose labelled outcomes are {@code recent} (oldest first), with no shadow comparison. */
    static LiveStats stats(String version, String recent) {
        return stats(version, recent, null, 0, 0);
    }

    /** ... and {@code agreed} of {@code compared} shadow answers agreeing with {@code comparedWith}'s. */
    static LiveStats stats(String version, String recent, String comparedWith, long compared, long agreed) {
        long right = recent.chars().filter(c -> c == '1').count();
        long labelled = recent.length();
        long predictions = Math.max(labelled, 1000);
        long[] predicted = new long[10];
        predicted[0] = predictions + compared;
        long[][] confusion = new long[10][10];
        confusion[0][0] = right;
        confusion[1][0] = labelled - right;
        return new LiveStats(MODEL, version, predictions, compared, predicted, labelled, right, confusion, recent,
                comparedWith, compared, agreed, Instant.parse("2026-12-06T14:00:00Z"));
    }

    /** {@code right} right outcomes of {@code n}, the wrong ones first (so a shorter window sees more right ones). */
    static String outcomes(int n, int right) {
        return "0".repeat(n - right) + "1".repeat(right);
    }
}
