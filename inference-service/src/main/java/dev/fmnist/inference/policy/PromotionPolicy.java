package dev.fmnist.inference.policy;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.KeepBest;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Promotion and rollback as a pure function: from what one served model runs (its champion, its
 * challenger, the champion before it, a newer artefact nobody has challenged) and how each did, on its
 * validation split and on live traffic, to one {@link Decision} with its reasons, each a sentence with
 * its figures. The rules, in the order they are tried:
 *
 * <ol>
 *   <li>nothing live, or the replicas not yet serving what the newest control record says: HOLD (the
 *       next evaluation sees it applied);</li>
 *   <li>pinned by an operator (a pin the policy did not write) with no challenger: HOLD, the operator's
 *       choice stands until it is unpinned;</li>
 *   <li>ROLLBACK to the previous champion when the champion's last-N live accuracy, on at least
 *       min-labelled answers, is below the accuracy floor (unless the previous champion did no better),
 *       or below the previous champion's (on at least min-labelled of its own) by more than the margin;</li>
 *   <li>with a challenger: RETIRE it when it is worse on the validation split (it could never be
 *       promoted) or, both with a full window of N labelled answers, worse live by more than the
 *       margin; PROMOTE it when it is at least as good on the validation split, at least as good on the
 *       last labelled answers of both (at least min-labelled each, compared over the same count) and,
 *       in shadow, agreed with the champion on at least min-agreement of at least min-shadowed
 *       answers; else HOLD, saying what is missing;</li>
 *   <li>without one: CHALLENGE with a newer artefact nobody has challenged, in shadow for the
 *       configured share;</li>
 *   <li>else HOLD.</li>
 * </ol>
 *
 * Validation accuracy is that of the published parameters (the best epoch's under keepBest=val, else
 * the last epoch's); when either manifest has no validation split the test accuracies are compared
 * instead, and the reason says so.
 */
public final class PromotionPolicy {

    /** Who the policy's records say wrote them. */
    public static final String BY = ModelControl.POLICY;
    private static final int MAX_DIGITS = 6;

    private PromotionPolicy() {}

    /** A version judged: what training measured (its manifest) and how it does live. */
    public record Contender(String version, ModelManifest manifest, LiveStats stats) {

        public Contender {
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(manifest, "manifest");
            Objects.requireNonNull(stats, "stats");
        }

        /** Whether a pin or challenger field names it: its version or the experiment that published it. */
        boolean answersTo(String versionOrExperiment) {
            return version.equals(versionOrExperiment) || versionOrExperiment.equals(manifest.experimentId());
        }
    }

    /** The challenger loaded beside the champion, served in {@code mode} for {@code share} of the requests. */
    public record Challenging(Contender contender, ChallengerMode mode, double share) {}

    /** The champion before the live one, judged by what it did live while it served. */
    public record Previous(String version, LiveStats stats) {}

    /** A published artefact newer than the champion that no control record has named as challenger or champion. */
    public record Candidate(String version, String experimentId, double testAccuracy) {}

    /**
     * What the policy looks at for one model.
     *
     * @param model the served model's name
     * @param control the newest model-control record for it; null when none was ever written
     * @param champion the live version; null when nothing is live yet
     * @param challenger the challenger loaded beside it; null when none is
     * @param previous the champion before it that was not rolled back from or retired; null when none
     * @param candidate the newest artefact that may challenge it; null when none
     * @param problem why the replica does not serve what the control record says (a pin or challenger it cannot
     *     read or load); null when none
     * @param challengerRefused why the replica refused the challenger the control record names (it cannot be
     *     loaded: waiting would never end); null when it did not
     */
    public record Situation(String model, ModelControl control, Contender champion, Challenging challenger,
            Previous previous, Candidate candidate, String problem, String challengerRefused) {

        public Situation(String model, ModelControl control, Contender champion, Challenging challenger,
                Previous previous, Candidate candidate, String problem) {
            this(model, control, champion, challenger, previous, candidate, problem, null);
        }
    }

    /**
     * What to do: the control record to write (its pinned champion, challenger, mode and share) unless
     * it is {@link ModelDecision#HOLD}, and why.
     */
    public record Decision(ModelDecision decision, String pinned, String challenger, ChallengerMode mode, double share,
            List<String> reasons) {

        public Decision {
            // a record holds lines of at most MAX_REASON_LINE characters (a slot's problem quotes an exception)
            reasons = reasons.stream().map(r -> r.length() <= ModelControl.MAX_REASON_LINE ? r
                    : r.substring(0, ModelControl.MAX_REASON_LINE - 3) + "...").toList();
        }

        static Decision hold(List<String> reasons) {
            return new Decision(ModelDecision.HOLD, null, null, null, 0, reasons);
        }

        /** Whether it is written to the model-control topic (every decision but HOLD). */
        public boolean written() {
            return decision != ModelDecision.HOLD;
        }

        /** The record that carries it, written by {@value PromotionPolicy#BY}. */
        public ModelControl control(String model) {
            return ModelControl.decided(model, pinned, challenger, mode, share, decision, reasons, BY);
        }

        /** Whether {@code current} already says this: same decision, champion, challenger, mode and share. */
        public boolean sameAs(ModelControl current) {
            return current != null && current.decision() == decision && Objects.equals(current.pinned(), pinned)
                    && Objects.equals(current.challenger(), challenger) && current.mode() == mode
                    && Double.compare(current.share(), share) == 0;
        }

        /** One line for the log: {@code PROMOTE a9d3511a7e3f: reason; reason}. */
        public String describe() {
            String subject = switch (decision) {
                case CHALLENGE -> challenger + " (" + mode.wire() + ", share " + plain(share) + ")";
                case PROMOTE, ROLLBACK -> pinned;
                default -> "";
            };
            return decision + (subject.isEmpty() ? "" : " " + subject) + ": " + String.join("; ", reasons);
        }
    }

    /** The decision for {@code s} under {@code t}. */
    public static Decision decide(Situation s, PolicyThresholds t) {
        Contender champion = s.champion();
        if (champion == null) {
            return Decision.hold(List.of("no version of " + s.model() + " is live yet"));
        }
        Decision refused = retireRefused(s);
        if (refused != null) {
            return refused;
        }
        List<String> waiting = waiting(s);
        if (!waiting.isEmpty()) {
            return Decision.hold(waiting);
        }
        ModelControl control = s.control();
        if (control != null && control.pinned() != null && !BY.equals(control.by()) && s.challenger() == null) {
            return Decision.hold(List.of("pinned to " + control.pinned() + " by " + (control.by() == null ? "an operator"
                    : control.by()) + "; the policy decides again once it is unpinned (fmnist models unpin "
                    + s.model() + ")"));
        }
        List<String> notes = new ArrayList<>();
        Decision rollback = rollback(s, t, notes);
        if (rollback != null) {
            return rollback;
        }
        if (s.challenger() != null) {
            return judge(champion, s.challenger(), t, notes);
        }
        if (s.candidate() != null) {
            Candidate c = s.candidate();
            return new Decision(ModelDecision.CHALLENGE, champion.version(), c.version(), ChallengerMode.SHADOW,
                    t.shadowShare(), List.of(c.version() + (c.experimentId() == null || c.experimentId().isEmpty() ? ""
                            : " (" + c.experimentId() + ")") + ", test accuracy " + fixed(c.testAccuracy(), 4)
                            + ", was published after the champion " + champion.version() + " and was never challenged",
                            "shadow: it also scores " + percent(t.shadowShare()) + " of the requests, after "
                                    + champion.version() + " answered them"));
        }
        notes.add("no artefact newer than the champion " + champion.version() + " to challenge it");
        return Decision.hold(notes);
    }

    /**
     * RETIRE for a challenger the newest record names that the replica refused (it will never be
     * loaded, so waiting for it would hold the model for good), or null. Only once the champion the
     * record pins is live: a pin still being applied is waited for first.
     */
    private static Decision retireRefused(Situation s) {
        ModelControl control = s.control();
        String wanted = control == null ? null : control.challengerVersion().orElse(null);
        if (wanted == null || s.challengerRefused() == null
                || s.challenger() != null && s.challenger().contender().answersTo(wanted)
                || control.pinned() != null && !s.champion().answersTo(control.pinned())) {
            return null;
        }
        return new Decision(ModelDecision.RETIRE, s.champion().version(), null, null, 0, List.of(
                "the challenger " + wanted + " cannot be served: " + s.challengerRefused()));
    }

    /** Why the replica does not yet serve what the newest record says; empty when it does. */
    private static List<String> waiting(Situation s) {
        ModelControl control = s.control();
        if (control == null) {
            return List.of();
        }
        List<String> waiting = new ArrayList<>();
        Contender champion = s.champion();
        if (control.pinned() != null && !champion.answersTo(control.pinned())) {
            waiting.add("waiting for " + control.pinned() + " to go live (" + champion.version() + " still is)");
        }
        String wanted = control.challengerVersion().orElse(null);
        Challenging loaded = s.challenger();
        if (wanted != null && (loaded == null || !loaded.contender().answersTo(wanted))) {
            waiting.add("waiting for the challenger " + wanted + " to be loaded");
        } else if (wanted == null && loaded != null) {
            waiting.add("waiting for the challenger " + loaded.contender().version() + " to be retired");
        }
        if (!waiting.isEmpty() && s.problem() != null) {
            waiting.add(s.problem());
        }
        return waiting;
    }

    /** ROLLBACK, or null; a champion below the floor with nothing to roll back to is noted in {@code notes}. */
    private static Decision rollback(Situation s, PolicyThresholds t, List<String> notes) {
        Contender champion = s.champion();
        int labelled = champion.stats().recentLabelled(t.lastLabelled());
        if (labelled < t.minLabelled()) {
            return null;
        }
        double accuracy = champion.stats().recentAccuracy(labelled);
        Previous previous = s.previous();
        if (previous == null || previous.version().equals(champion.version())) {
            if (accuracy < t.accuracyFloor()) {
                notes.add("last " + labelled + " labelled: " + fixed(accuracy, 3) + " < the accuracy floor "
                        + plain(t.accuracyFloor()) + ", but no earlier champion to roll back to");
            }
            return null;
        }
        int previousLabelled = previous.stats() == null ? 0 : previous.stats().recentLabelled(t.lastLabelled());
        boolean previousKnown = previousLabelled >= t.minLabelled();
        double previousAccuracy = previousKnown ? previous.stats().recentAccuracy(previousLabelled) : Double.NaN;
        if (accuracy < t.accuracyFloor()) {
            if (previousKnown && previousAccuracy <= accuracy) {
                String[] f = pair(accuracy, previousAccuracy, 3);
                notes.add("last " + labelled + " labelled: " + f[0] + " < the accuracy floor " + plain(t.accuracyFloor())
                        + ", but the previous champion " + previous.version() + " did no better (" + f[1] + " on its last "
                        + previousLabelled + ")");
                return null;
            }
            return new Decision(ModelDecision.ROLLBACK, previous.version(), null, null, 0, List.of(
                    "last " + labelled + " labelled: " + fixed(accuracy, 3) + " < the accuracy floor "
                            + plain(t.accuracyFloor()),
                    previousKnown ? "the previous champion " + previous.version() + " had "
                            + fixed(previousAccuracy, 3) + " on its last " + previousLabelled + " labelled"
                            : "the previous champion " + previous.version() + " has " + previousLabelled
                                    + " labelled answers, fewer than " + t.minLabelled() + ": rolled back to on the floor alone"));
        }
        if (previousKnown && accuracy < previousAccuracy - t.rollbackMargin()) {
            String[] f = pair(accuracy, previousAccuracy, 3);
            return new Decision(ModelDecision.ROLLBACK, previous.version(), null, null, 0, List.of(
                    "last " + labelled + " labelled: " + f[0] + " vs the previous champion " + previous.version() + "'s "
                            + f[1] + " (its last " + previousLabelled + "), worse by " + fixed(previousAccuracy - accuracy, 3)
                            + " > the margin " + plain(t.rollbackMargin())));
        }
        return null;
    }

    /** RETIRE, PROMOTE or HOLD for the loaded challenger. */
    private static Decision judge(Contender champion, Challenging challenging, PolicyThresholds t, List<String> notes) {
        Contender challenger = challenging.contender();
        String pinned = champion.version();
        // 1. the validation split: static, so a challenger worse there can never be promoted
        OptionalDouble championVal = validationAccuracy(champion.manifest());
        OptionalDouble challengerVal = validationAccuracy(challenger.manifest());
        boolean validation = championVal.isPresent() && challengerVal.isPresent();
        double a = validation ? challengerVal.getAsDouble() : challenger.manifest().testAccuracy();
        double b = validation ? championVal.getAsDouble() : champion.manifest().testAccuracy();
        String[] f = pair(a, b, 4);
        String split = validation ? "validation accuracy " : "test accuracy ";
        String fallback = validation ? "" : " (no validation split in " + (challengerVal.isEmpty()
                ? (championVal.isEmpty() ? "either manifest" : challenger.version() + "'s manifest")
                : champion.version() + "'s manifest") + ", so the test accuracies are compared)";
        if (a < b) {
            return new Decision(ModelDecision.RETIRE, pinned, null, null, 0, List.of(split + f[0] + " < champion's "
                    + f[1] + fallback));
        }
        List<String> reasons = new ArrayList<>(notes);
        reasons.add(split + f[0] + " >= champion's " + f[1] + fallback);
        boolean promote = true;

        // 2. the last labelled answers of both, over the same count
        int challengerLabelled = challenger.stats().recentLabelled(t.lastLabelled());
        int championLabelled = champion.stats().recentLabelled(t.lastLabelled());
        if (challengerLabelled >= t.lastLabelled() && championLabelled >= t.lastLabelled()) {
            double ch = challenger.stats().recentAccuracy(t.lastLabelled());
            double c = champion.stats().recentAccuracy(t.lastLabelled());
            if (ch < c - t.rollbackMargin()) {
                String[] g = pair(ch, c, 3);
                return new Decision(ModelDecision.RETIRE, pinned, null, null, 0, List.of("last " + t.lastLabelled()
                        + " labelled: " + g[0] + " vs champion " + g[1] + ", worse by " + fixed(c - ch, 3)
                        + " > the margin " + plain(t.rollbackMargin())));
            }
        }
        int n = Math.min(challengerLabelled, championLabelled);
        if (n >= t.minLabelled()) {
            double ch = challenger.stats().recentAccuracy(n);
            double c = champion.stats().recentAccuracy(n);
            String[] g = pair(ch, c, 3);
            boolean good = ch >= c;
            reasons.add("last " + n + " labelled: " + g[0] + (good ? " >= " : " < ") + "champion " + g[1]);
            promote &= good;
        } else {
            reasons.add("labelled: " + challengerLabelled + " for " + challenger.version() + ", " + championLabelled
                    + " for the champion; " + t.minLabelled() + " each needed");
            promote = false;
        }

        // 3. agreement on shadow traffic
        if (challenging.mode() == ChallengerMode.SHADOW) {
            LiveStats stats = challenger.stats();
            if (stats.comparedWith() != null && !stats.comparedWith().equals(champion.version())) {
                reasons.add("agreement measured against " + stats.comparedWith() + ", not yet against the champion "
                        + champion.version());
                promote = false;
            } else if (stats.compared() < t.minShadowed()) {
                reasons.add("agreement " + (stats.compared() == 0 ? "unknown" : fixed(stats.agreement(), 3)) + " on "
                        + stats.compared() + " shadowed requests; " + t.minShadowed() + " needed");
                promote = false;
            } else {
                boolean agrees = stats.agreement() >= t.minAgreement();
                reasons.add("agreement " + fixed(stats.agreement(), 3) + " on " + stats.compared() + " shadowed requests "
                        + (agrees ? ">= " : "< ") + plain(t.minAgreement()));
                promote &= agrees;
            }
        } else {
            reasons.add("canary: its answers went to clients, none was shadowed, so agreement is not asked for");
        }
        if (promote) {
            return new Decision(ModelDecision.PROMOTE, challenger.version(), null, null, 0, reasons);
        }
        return Decision.hold(reasons);
    }

    /**
     * The validation accuracy of the parameters an artefact carries: the best epoch's when it kept the
     * best by validation accuracy, else the last epoch's; empty without a validation split.
     */
    static OptionalDouble validationAccuracy(ModelManifest manifest) {
        List<EpochMetrics> epochs = manifest.epochs();
        if (epochs == null || epochs.isEmpty()) {
            return OptionalDouble.empty();
        }
        boolean best = manifest.hyperParameters() != null && manifest.hyperParameters().keepBest() == KeepBest.VAL;
        if (best) {
            return epochs.stream().mapToDouble(EpochMetrics::valAccuracy).filter(v -> !Double.isNaN(v)).max();
        }
        double last = epochs.get(epochs.size() - 1).valAccuracy();
        return Double.isNaN(last) ? OptionalDouble.empty() : OptionalDouble.of(last);
    }

    static String fixed(double value, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", value);
    }

    /**
     * Two figures compared in one sentence, with at least {@code digits} decimals and as many more as
     * it takes to show that they differ (0.9495 and 0.9504 are not both "0.950").
     */
    static String[] pair(double a, double b, int digits) {
        int d = digits;
        while (d < MAX_DIGITS && a != b && fixed(a, d).equals(fixed(b, d))) {
            d++;
        }
        return new String[] {fixed(a, d), fixed(b, d)};
    }

    /** A setting as it was written: 0.9, 0.05. */
    static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }

    private static String percent(double share) {
        return plain(share * 100) + "%";
    }
}
