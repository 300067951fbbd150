package dev.fmnist.inference.policy;

import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.inference.config.InferenceConfig;

/**
 * The figures the promotion policy holds versions to, checked once: a setting that would make the
 * policy promote everything or nothing is refused at start-up, naming the setting.
 *
 * @param lastLabelled N: live accuracy is compared over each version's last N labelled answers
 * @param minLabelled labelled answers each version needs before its live accuracy counts
 * @param minAgreement share of compared shadow answers a challenger must agree on to be promoted
 * @param minShadowed shadow answers compared with the champion's before agreement counts
 * @param shadowShare share of requests a new challenger scores in shadow
 * @param rollbackMargin how much worse (live, last N) than the previous champion a champion may be before it
 *     is rolled back; also how much worse than the champion a challenger may be before it is retired
 * @param accuracyFloor a champion whose last-N live accuracy is below it is rolled back
 */
public record PolicyThresholds(int lastLabelled, int minLabelled, double minAgreement, int minShadowed,
        double shadowShare, double rollbackMargin, double accuracyFloor) {

    static final String PREFIX = "fmnist.policy.";

    public PolicyThresholds {
        if (lastLabelled < 1 || lastLabelled > LiveStats.RECENT_MAX) {
            throw new IllegalArgumentException(PREFIX + "last-labelled: must be between 1 and " + LiveStats.RECENT_MAX
                    + " (the labelled outcomes kept per version), got " + lastLabelled);
        }
        if (minLabelled < 1 || minLabelled > lastLabelled) {
            throw new IllegalArgumentException(PREFIX + "min-labelled: must be between 1 and last-labelled ("
                    + lastLabelled + "), got " + minLabelled);
        }
        requireShare("min-agreement", minAgreement, true);
        if (minShadowed < 1) {
            throw new IllegalArgumentException(PREFIX + "min-shadowed: must be at least 1, got " + minShadowed);
        }
        requireShare("shadow-share", shadowShare, false);
        requireShare("rollback-margin", rollbackMargin, true);
        if (!(accuracyFloor >= 0 && accuracyFloor <= 1)) {
            throw new IllegalArgumentException("fmnist.live.accuracy-floor: must be between 0 and 1, got " + accuracyFloor);
        }
    }

    /** The service's settings; {@code accuracyFloor} is the live-accuracy alert's ({@code fmnist.live.accuracy-floor}). */
    public static PolicyThresholds of(InferenceConfig.Policy policy, double accuracyFloor) {
        return new PolicyThresholds(policy.lastLabelled(), policy.minLabelled(), policy.minAgreement(),
                policy.minShadowed(), policy.shadowShare(), policy.rollbackMargin(), accuracyFloor);
    }

    /** {@code zeroAllowed}: in [0, 1]; otherwise in (0, 1]. NaN is refused either way. */
    private static void requireShare(String key, double value, boolean zeroAllowed) {
        boolean ok = zeroAllowed ? value >= 0 && value <= 1 : value > 0 && value <= 1;
        if (!ok) {
            throw new IllegalArgumentException(PREFIX + key + ": must be " + (zeroAllowed ? "between 0 and 1" :
                    "above 0 and at most 1") + ", got " + value);
        }
    }
}
