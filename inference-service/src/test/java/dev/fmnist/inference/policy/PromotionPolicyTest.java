package dev.fmnist.inference.policy;

import static dev.fmnist.inference.policy.PolicyFixtures.MODEL;
import static dev.fmnist.inference.policy.PolicyFixtures.manifest;
import static dev.fmnist.inference.policy.PolicyFixtures.outcomes;
import static dev.fmnist.inference.policy.PolicyFixtures.stats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.inference.policy.PromotionPolicy.Candidate;
import dev.fmnist.inference.policy.PromotionPolicy.Challenging;
import dev.fmnist.inference.policy.PromotionPolicy.Contender;
import dev.fmnist.inference.policy.PromotionPolicy.Decision;
import dev.fmnist.inference.policy.PromotionPolicy.Previous;
import dev.fmnist.inference.policy.PromotionPolicy.Situation;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every rule of the promotion policy, each threshold on both sides of its edge, and the figures its
 * reasons give. The situations are made by hand: versions, manifests with and without a validation
 * split, live statistics with a chosen window of labelled outcomes and shadow agreement.
 */
class PromotionPolicyTest {

    private static final String CHAMPION = "aaaaaaaaaaaa";
    private static final String CHALLENGER = "bbbbbbbbbbbb";
    private static final String PREVIOUS = "cccccccccccc";
    private static final String NEWER = "dddddddddddd";
    /** N 200, at least 50 labelled, agreement 0.9 on 200 shadowed, share 1, margin 0.05, floor 0.8. */
    private static final PolicyThresholds T = new PolicyThresholds(200, 50, 0.9, 200, 1.0, 0.05, 0.8);

    // --- fixtures -------------------------------------------------------------------------------

    private static Contender contender(String version, double val, double test, LiveStats stats) {
        return new Contender(version, manifest(version, val, test), stats);
    }

    /** A champion 0.9301 on validation, 0.950 on its last 200 labelled (its last 50 all right). */
    private static Contender champion() {
        return contender(CHAMPION, 0.9301, 0.9290, stats(CHAMPION, outcomes(200, 190)));
    }

    /** A shadow challenger that passes everything against {@link #champion()}. */
    private static Challenging goodChallenger() {
        return shadow(contender(CHALLENGER, 0.9312, 0.9300, stats(CHALLENGER, outcomes(200, 191), CHAMPION, 412, 396)));
    }

    private static Challenging shadow(Contender contender) {
        return new Challenging(contender, ChallengerMode.SHADOW, 1.0);
    }

    /** What the policy wrote when it made {@code challenger} the challenger of {@code champion}. */
    private static ModelControl challenged(String champion, String challenger) {
        return ModelControl.decided(MODEL, champion, challenger, ChallengerMode.SHADOW, 1.0, ModelDecision.CHALLENGE,
                List.of("test"), ModelControl.POLICY);
    }

    private static Situation with(Contender champion, Challenging challenger) {
        return new Situation(MODEL, challenged(CHAMPION, challenger.contender().version()), champion, challenger, null,
                null, null);
    }

    private static Decision decide(Situation s) {
        return PromotionPolicy.decide(s, T);
    }

    // --- what is there to judge -------------------------------------------------------------------

    @Nested
    class NothingToJudge {

        @Test
        void nothingLiveHolds() {
            Decision d = decide(new Situation(MODEL, null, null, null, null, new Candidate(NEWER, "e", 0.9), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.written()).isFalse();
            assertThat(d.reasons()).containsExactly("no version of better is live yet");
        }

        @Test
        void aChampionAloneWithNothingNewerHolds() {
            Decision d = decide(new Situation(MODEL, null, champion(), null, null, null, null));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).containsExactly("no artefact newer than the champion aaaaaaaaaaaa to challenge it");
        }

        @Test
        void aNewerArtefactBecomesTheShadowChallengerAndTheChampionIsPinned() {
            Decision d = decide(new Situation(MODEL, null, champion(), null, null,
                    new Candidate(NEWER, "better-20261206-1", 0.9123), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.CHALLENGE);
            assertThat(d.pinned()).isEqualTo(CHAMPION);
            assertThat(d.challenger()).isEqualTo(NEWER);
            assertThat(d.mode()).isEqualTo(ChallengerMode.SHADOW);
            assertThat(d.share()).isEqualTo(1.0);
            assertThat(d.reasons()).containsExactly(
                    "dddddddddddd (better-20261206-1), test accuracy 0.9123, was published after the champion aaaaaaaaaaaa"
                            + " and was never challenged",
                    "shadow: it also scores 100% of the requests, after aaaaaaaaaaaa answered them");
        }

        @Test
        void theShadowShareIsTheSettings() {
            PolicyThresholds quarter = new PolicyThresholds(200, 50, 0.9, 200, 0.25, 0.05, 0.8);

            Decision d = PromotionPolicy.decide(new Situation(MODEL, null, champion(), null, null,
                    new Candidate(NEWER, "", 0.9), null), quarter);

            assertThat(d.share()).isEqualTo(0.25);
            assertThat(d.reasons().get(0)).startsWith("dddddddddddd, test accuracy 0.9000,");
            assertThat(d.reasons().get(1)).contains("25% of the requests");
        }
    }

    @Nested
    class WaitingForTheReplicas {

        @Test
        void aChallengerNamedButNotLoadedHoldsAndSaysWhyItIsNot() {
            Decision d = decide(new Situation(MODEL, challenged(CHAMPION, CHALLENGER), champion(), null, null,
                    new Candidate(NEWER, "", 0.9), "challenger bbbbbbbbbbbb, not (yet) seen on the models topic"));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).containsExactly("waiting for the challenger bbbbbbbbbbbb to be loaded",
                    "challenger bbbbbbbbbbbb, not (yet) seen on the models topic");
        }

        @Test
        void aChallengerTheReplicaRefusedIsRetiredWithItsReasonNotWaitedForForever() {
            String refusal = "refused here: parameters do not match the manifest's sha256";
            Decision d = decide(new Situation(MODEL, challenged(CHAMPION, CHALLENGER), champion(), null, null, null,
                    "challenger bbbbbbbbbbbb, which cannot be loaded (see refused)", refusal));

            assertThat(d.decision()).isEqualTo(ModelDecision.RETIRE);
            assertThat(d.pinned()).isEqualTo(CHAMPION);
            assertThat(d.challenger()).isNull();
            assertThat(d.reasons()).containsExactly("the challenger bbbbbbbbbbbb cannot be served: " + refusal);
            assertThat(d.sameAs(d.control(MODEL))).isTrue();
            assertThat(d.control(MODEL).challengerVersion()).isEmpty();
        }

        @Test
        void aRefusedChallengerWaitsWhileThePinOfTheSameRecordIsNotLiveYet() {
            ModelControl pinAndChallenge = ModelControl.decided(MODEL, NEWER, CHALLENGER, ChallengerMode.SHADOW, 1.0,
                    ModelDecision.CHALLENGE, List.of("x"), ModelControl.POLICY);

            Decision d = decide(new Situation(MODEL, pinAndChallenge, champion(), null, null, null, null, "refused"));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).startsWith("waiting for " + NEWER + " to go live (aaaaaaaaaaaa still is)");
        }

        @Test
        void aPinNotLiveYetHolds() {
            ModelControl promoted = ModelControl.decided(MODEL, CHALLENGER, null, null, 0, ModelDecision.PROMOTE,
                    List.of("x"), ModelControl.POLICY);

            Decision d = decide(new Situation(MODEL, promoted, champion(), goodChallenger(), null, null, null));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).containsExactly("waiting for bbbbbbbbbbbb to go live (aaaaaaaaaaaa still is)",
                    "waiting for the challenger bbbbbbbbbbbb to be retired");
        }

        @Test
        void aPinByExperimentIdIsLiveWhenTheChampionsExperimentIsIt() {
            ModelControl pinnedByExperiment = ModelControl.decided(MODEL, "exp-a", null, null, 0, ModelDecision.ROLLBACK,
                    List.of("x"), ModelControl.POLICY);

            Decision d = decide(new Situation(MODEL, pinnedByExperiment, champion(), null, null,
                    new Candidate(NEWER, "", 0.9), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.CHALLENGE);
        }
    }

    @Nested
    class OperatorPins {

        @Test
        void aPinTheOperatorWroteStandsAgainstANewerArtefact() {
            Decision d = decide(new Situation(MODEL, ModelControl.pin(MODEL, CHAMPION, "by hand"), champion(), null,
                    null, new Candidate(NEWER, "", 0.9), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons().get(0)).startsWith("pinned to aaaaaaaaaaaa by ")
                    .endsWith("; the policy decides again once it is unpinned (fmnist models unpin better)");
        }

        @Test
        void anUnpinHandsTheModelBackToThePolicy() {
            Decision d = decide(new Situation(MODEL, ModelControl.followNewest(MODEL, "by hand"), champion(), null,
                    null, new Candidate(NEWER, "", 0.9), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.CHALLENGE);
        }
    }

    // --- judging a challenger ---------------------------------------------------------------------

    @Nested
    class Promotion {

        @Test
        void whenEveryConditionHoldsTheChallengerIsPromotedWithEachFigure() {
            Decision d = decide(with(champion(), goodChallenger()));

            assertThat(d.decision()).isEqualTo(ModelDecision.PROMOTE);
            assertThat(d.pinned()).isEqualTo(CHALLENGER);
            assertThat(d.challenger()).isNull();
            assertThat(d.mode()).isNull();
            assertThat(d.reasons()).containsExactly("validation accuracy 0.9312 >= champion's 0.9301",
                    "last 200 labelled: 0.955 >= champion 0.950",
                    "agreement 0.961 on 412 shadowed requests >= 0.9");
        }

        @Test
        void theSameValidationAccuracyIsAtLeastAsGood() {
            Challenging equal = shadow(contender(CHALLENGER, 0.9301, 0.93, stats(CHALLENGER, outcomes(200, 191), CHAMPION,
                    412, 396)));

            assertThat(decide(with(champion(), equal)).decision()).isEqualTo(ModelDecision.PROMOTE);
        }

        @Test
        void theBestEpochsValidationAccuracyCountsWhenTheRunKeptTheBest() {
            Contender best = new Contender(CHALLENGER, manifest(CHALLENGER, KeepBest.VAL, 0.93, 0.9350, 0.9290),
                    stats(CHALLENGER, outcomes(200, 191), CHAMPION, 412, 396));
            Contender last = new Contender(CHALLENGER, manifest(CHALLENGER, KeepBest.LAST, 0.93, 0.9350, 0.9290),
                    stats(CHALLENGER, outcomes(200, 191), CHAMPION, 412, 396));

            assertThat(decide(with(champion(), shadow(best))).reasons().get(0))
                    .isEqualTo("validation accuracy 0.9350 >= champion's 0.9301");
            assertThat(decide(with(champion(), shadow(last))).reasons()).containsExactly(
                    "validation accuracy 0.9290 < champion's 0.9301");
        }

        @Test
        void figuresThatRoundAlikeGetTheDigitsThatTellThemApart() {
            Challenging close = shadow(contender(CHALLENGER, 0.93014, 0.93, stats(CHALLENGER, outcomes(200, 191),
                    CHAMPION, 412, 396)));

            assertThat(decide(with(champion(), close)).reasons().get(0))
                    .isEqualTo("validation accuracy 0.93014 >= champion's 0.93010");
        }
    }

    @Nested
    class ValidationSplit {

        @Test
        void aChallengerWorseOnValidationIsRetiredAtOnce() {
            Challenging worse = shadow(contender(CHALLENGER, 0.9300, 0.95, stats(CHALLENGER, outcomes(200, 200),
                    CHAMPION, 1000, 1000)));

            Decision d = decide(with(champion(), worse));

            assertThat(d.decision()).isEqualTo(ModelDecision.RETIRE);
            assertThat(d.pinned()).isEqualTo(CHAMPION);
            assertThat(d.challenger()).isNull();
            assertThat(d.reasons()).containsExactly("validation accuracy 0.9300 < champion's 0.9301");
        }

        @Test
        void withoutAValidationSplitInTheChallengerTheTestAccuraciesAreComparedAndTheReasonSaysSo() {
            Challenging noSplit = shadow(contender(CHALLENGER, Double.NaN, 0.9295, stats(CHALLENGER, outcomes(200, 191),
                    CHAMPION, 412, 396)));

            Decision d = decide(with(champion(), noSplit));

            assertThat(d.decision()).isEqualTo(ModelDecision.PROMOTE);
            assertThat(d.reasons().get(0)).isEqualTo("test accuracy 0.9295 >= champion's 0.9290 (no validation split "
                    + "in bbbbbbbbbbbb's manifest, so the test accuracies are compared)");
        }

        @Test
        void withoutOneInTheChampionOrEitherTheReasonNamesWhichLacksIt() {
            Contender championNoSplit = contender(CHAMPION, Double.NaN, 0.9290, stats(CHAMPION, outcomes(200, 190)));
            Challenging noSplit = shadow(contender(CHALLENGER, Double.NaN, 0.9280, stats(CHALLENGER, outcomes(200, 191),
                    CHAMPION, 412, 396)));

            assertThat(decide(with(championNoSplit, goodChallenger())).reasons().get(0)).isEqualTo("test accuracy "
                    + "0.9300 >= champion's 0.9290 (no validation split in aaaaaaaaaaaa's manifest, so the test "
                    + "accuracies are compared)");
            Decision both = decide(with(championNoSplit, noSplit));
            assertThat(both.decision()).isEqualTo(ModelDecision.RETIRE);
            assertThat(both.reasons()).containsExactly("test accuracy 0.9280 < champion's 0.9290 (no validation split "
                    + "in either manifest, so the test accuracies are compared)");
        }
    }

    @Nested
    class LabelledRequests {

        private Challenging labelled(String recent) {
            return shadow(contender(CHALLENGER, 0.9312, 0.93, stats(CHALLENGER, recent, CHAMPION, 412, 396)));
        }

        @Test
        void belowMinLabelledItHoldsSayingHowManyEachHas() {
            Decision d = decide(with(champion(), labelled(outcomes(49, 49))));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).contains("labelled: 49 for bbbbbbbbbbbb, 200 for the champion; 50 each needed");
        }

        @Test
        void atMinLabelledTheyAreComparedOverTheSameCount() {
            // the champion's last 50 are all right (its wrong ones are older): 0.98 needs 49 of 50 against 1.000
            Decision tie = decide(with(champion(), labelled(outcomes(50, 50))));
            Decision short1 = decide(with(champion(), labelled(outcomes(50, 49))));

            assertThat(tie.decision()).isEqualTo(ModelDecision.PROMOTE);
            assertThat(tie.reasons()).contains("last 50 labelled: 1.000 >= champion 1.000");
            assertThat(short1.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(short1.reasons()).contains("last 50 labelled: 0.980 < champion 1.000");
        }

        @Test
        void slightlyWorseWithinTheMarginHoldsAndMoreThanTheMarginOnAFullWindowRetires() {
            Contender champion = contender(CHAMPION, 0.9301, 0.929, stats(CHAMPION, outcomes(200, 190))); // 0.950
            Decision within = decide(with(champion, labelled(outcomes(200, 181)))); // 0.905: 0.045 worse
            Decision beyond = decide(with(champion, labelled(outcomes(200, 179)))); // 0.895: 0.055 worse

            assertThat(within.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(within.reasons()).contains("last 200 labelled: 0.905 < champion 0.950");
            assertThat(beyond.decision()).isEqualTo(ModelDecision.RETIRE);
            assertThat(beyond.reasons()).containsExactly(
                    "last 200 labelled: 0.895 vs champion 0.950, worse by 0.055 > the margin 0.05");
        }

        @Test
        void muchWorseOnFewerThanNLabelledIsNotRetiredYet() {
            Contender champion = contender(CHAMPION, 0.9301, 0.929, stats(CHAMPION, outcomes(200, 190)));

            Decision d = decide(with(champion, labelled(outcomes(199, 100))));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
        }
    }

    @Nested
    class Agreement {

        private Challenging agreeing(String comparedWith, long compared, long agreed) {
            return shadow(contender(CHALLENGER, 0.9312, 0.93, stats(CHALLENGER, outcomes(200, 191), comparedWith,
                    compared, agreed)));
        }

        @Test
        void fewerThanMinShadowedHolds() {
            Decision d = decide(with(champion(), agreeing(CHAMPION, 199, 199)));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).contains("agreement 1.000 on 199 shadowed requests; 200 needed");
        }

        @Test
        void nothingShadowedYetSaysUnknown() {
            Decision d = decide(with(champion(), agreeing(null, 0, 0)));

            assertThat(d.reasons()).contains("agreement unknown on 0 shadowed requests; 200 needed");
        }

        @Test
        void exactlyMinAgreementPromotesAndJustBelowHolds() {
            Decision at = decide(with(champion(), agreeing(CHAMPION, 200, 180)));
            Decision below = decide(with(champion(), agreeing(CHAMPION, 200, 179)));

            assertThat(at.decision()).isEqualTo(ModelDecision.PROMOTE);
            assertThat(at.reasons()).contains("agreement 0.900 on 200 shadowed requests >= 0.9");
            assertThat(below.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(below.reasons()).contains("agreement 0.895 on 200 shadowed requests < 0.9");
        }

        @Test
        void agreementWithAnotherVersionDoesNotCount() {
            Decision d = decide(with(champion(), agreeing(PREVIOUS, 1000, 1000)));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).contains("agreement measured against cccccccccccc, not yet against the champion "
                    + "aaaaaaaaaaaa");
        }

        @Test
        void aCanaryIsJudgedWithoutAgreement() {
            Challenging canary = new Challenging(contender(CHALLENGER, 0.9312, 0.93, stats(CHALLENGER,
                    outcomes(200, 191))), ChallengerMode.CANARY, 0.1);
            ModelControl control = ModelControl.decided(MODEL, CHAMPION, CHALLENGER, ChallengerMode.CANARY, 0.1,
                    ModelDecision.CHALLENGE, List.of("by hand"), ModelControl.OPERATOR);

            Decision d = decide(new Situation(MODEL, control, champion(), canary, null, null, null));

            assertThat(d.decision()).isEqualTo(ModelDecision.PROMOTE);
            assertThat(d.reasons()).contains("canary: its answers went to clients, none was shadowed, so agreement is "
                    + "not asked for");
        }
    }

    // --- rollback ---------------------------------------------------------------------------------

    @Nested
    class Rollback {

        private Situation afterPromotion(LiveStats championStats, Previous previous, Challenging challenger) {
            ModelControl promoted = ModelControl.decided(MODEL, CHAMPION, challenger == null ? null
                    : challenger.contender().version(), challenger == null ? null : ChallengerMode.SHADOW,
                    challenger == null ? 0 : 1.0, challenger == null ? ModelDecision.PROMOTE : ModelDecision.CHALLENGE,
                    List.of("x"), ModelControl.POLICY);
            return new Situation(MODEL, promoted, contender(CHAMPION, 0.9301, 0.929, championStats), challenger, previous,
                    new Candidate(NEWER, "", 0.95), null);
        }

        private Previous previous(String recent) {
            return new Previous(PREVIOUS, stats(PREVIOUS, recent));
        }

        @Test
        void belowTheFloorItRollsBackToThePreviousChampion() {
            Decision d = decide(afterPromotion(stats(CHAMPION, outcomes(200, 150)), previous(outcomes(200, 186)), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.ROLLBACK);
            assertThat(d.pinned()).isEqualTo(PREVIOUS);
            assertThat(d.challenger()).isNull();
            assertThat(d.reasons()).containsExactly("last 200 labelled: 0.750 < the accuracy floor 0.8",
                    "the previous champion cccccccccccc had 0.930 on its last 200 labelled");
        }

        @Test
        void atTheFloorItStays() {
            Decision d = decide(afterPromotion(stats(CHAMPION, outcomes(200, 160)), previous(outcomes(200, 166)), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.CHALLENGE);
        }

        @Test
        void belowMinLabelledNothingIsRolledBack() {
            Decision d = decide(afterPromotion(stats(CHAMPION, outcomes(49, 0)), previous(outcomes(200, 200)), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.CHALLENGE);
        }

        @Test
        void belowTheFloorWithAPreviousThatDidNoBetterItStaysAndSaysSo() {
            Decision d = decide(afterPromotion(stats(CHAMPION, outcomes(200, 150)), previous(outcomes(200, 140)), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.CHALLENGE);
            Decision hold = decide(new Situation(MODEL, null, contender(CHAMPION, 0.93, 0.93, stats(CHAMPION,
                    outcomes(200, 150))), null, previous(outcomes(200, 140)), null, null));
            assertThat(hold.reasons()).contains("last 200 labelled: 0.750 < the accuracy floor 0.8, but the previous "
                    + "champion cccccccccccc did no better (0.700 on its last 200)");
        }

        @Test
        void belowTheFloorWithAPreviousOfFewLabelsItRollsBackOnTheFloorAlone() {
            Decision d = decide(afterPromotion(stats(CHAMPION, outcomes(200, 150)), previous(outcomes(10, 10)), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.ROLLBACK);
            assertThat(d.reasons()).contains("the previous champion cccccccccccc has 10 labelled answers, fewer than 50: "
                    + "rolled back to on the floor alone");
        }

        @Test
        void belowTheFloorWithNoPreviousItCannotRollBackAndSaysSo() {
            Decision d = decide(new Situation(MODEL, null, contender(CHAMPION, 0.93, 0.93, stats(CHAMPION,
                    outcomes(200, 150))), null, null, null, null));

            assertThat(d.decision()).isEqualTo(ModelDecision.HOLD);
            assertThat(d.reasons()).containsExactly("last 200 labelled: 0.750 < the accuracy floor 0.8, but no earlier "
                    + "champion to roll back to", "no artefact newer than the champion aaaaaaaaaaaa to challenge it");
        }

        @Test
        void worseThanThePreviousByMoreThanTheMarginRollsBack() {
            Decision beyond = decide(afterPromotion(stats(CHAMPION, outcomes(200, 170)), previous(outcomes(200, 186)),
                    null)); // 0.850 vs 0.930
            Decision within = decide(afterPromotion(stats(CHAMPION, outcomes(200, 178)), previous(outcomes(200, 186)),
                    null)); // 0.890 vs 0.930

            assertThat(beyond.decision()).isEqualTo(ModelDecision.ROLLBACK);
            assertThat(beyond.reasons()).containsExactly("last 200 labelled: 0.850 vs the previous champion "
                    + "cccccccccccc's 0.930 (its last 200), worse by 0.080 > the margin 0.05");
            assertThat(within.decision()).isEqualTo(ModelDecision.CHALLENGE);
        }

        @Test
        void thePreviousNeedsMinLabelledToBeComparedWith() {
            Decision d = decide(afterPromotion(stats(CHAMPION, outcomes(200, 170)), previous(outcomes(49, 49)), null));

            assertThat(d.decision()).isEqualTo(ModelDecision.CHALLENGE);
        }

        @Test
        void aRollbackComesBeforeJudgingTheChallengerAndDropsIt() {
            Decision d = decide(afterPromotion(stats(CHAMPION, outcomes(200, 150)), previous(outcomes(200, 186)),
                    goodChallenger()));

            assertThat(d.decision()).isEqualTo(ModelDecision.ROLLBACK);
            assertThat(d.challenger()).isNull();
        }
    }

    // --- the record -----------------------------------------------------------------------------

    @Nested
    class Records {

        @Test
        void aDecisionIsWrittenByThePolicyWithItsReasonsAndKnowsItselfOnTheTopic() {
            Decision d = decide(with(champion(), goodChallenger()));

            ModelControl record = d.control(MODEL);

            assertThat(record.by()).isEqualTo("policy");
            assertThat(record.decision()).isEqualTo(ModelDecision.PROMOTE);
            assertThat(record.pinned()).isEqualTo(CHALLENGER);
            assertThat(record.reasons()).isEqualTo(d.reasons());
            ModelControl read = ModelControl.parse(MODEL, record.toJson());
            assertThat(d.sameAs(read)).isTrue();
            assertThat(d.sameAs(challenged(CHAMPION, CHALLENGER))).isFalse();
            assertThat(d.sameAs(null)).isFalse();
        }

        @Test
        void aChallengeWithAnotherShareIsNotTheSame() {
            Decision d = decide(new Situation(MODEL, null, champion(), null, null, new Candidate(NEWER, "", 0.9), null));
            ModelControl half = ModelControl.decided(MODEL, CHAMPION, NEWER, ChallengerMode.SHADOW, 0.5,
                    ModelDecision.CHALLENGE, List.of(), ModelControl.POLICY);

            assertThat(d.sameAs(d.control(MODEL))).isTrue();
            assertThat(d.sameAs(half)).isFalse();
        }

        @Test
        void aReasonLongerThanARecordHoldsIsCut() {
            Decision d = decide(new Situation(MODEL, challenged(CHAMPION, CHALLENGER), champion(), null, null, null,
                    "x".repeat(1000)));

            assertThat(d.reasons().get(1)).hasSize(ModelControl.MAX_REASON_LINE).endsWith("...");
        }

        @Test
        void theLogLineNamesTheDecisionItsSubjectAndItsReasons() {
            assertThat(decide(with(champion(), goodChallenger())).describe()).isEqualTo("PROMOTE bbbbbbbbbbbb: "
                    + "validation accuracy 0.9312 >= champion's 0.9301; last 200 labelled: 0.955 >= champion 0.950; "
                    + "agreement 0.961 on 412 shadowed requests >= 0.9");
        }
    }

    @Nested
    class Thresholds {

        @Test
        void settingsThatCannotWorkAreRefusedByName() {
            assertThatThrownBy(() -> new PolicyThresholds(200, 201, 0.9, 200, 1, 0.05, 0.8))
                    .hasMessageStartingWith("fmnist.policy.min-labelled: must be between 1 and last-labelled (200)");
            assertThatThrownBy(() -> new PolicyThresholds(1001, 50, 0.9, 200, 1, 0.05, 0.8))
                    .hasMessageStartingWith("fmnist.policy.last-labelled: must be between 1 and 1000");
            assertThatThrownBy(() -> new PolicyThresholds(200, 50, Double.NaN, 200, 1, 0.05, 0.8))
                    .hasMessageStartingWith("fmnist.policy.min-agreement: must be between 0 and 1");
            assertThatThrownBy(() -> new PolicyThresholds(200, 50, 0.9, 0, 1, 0.05, 0.8))
                    .hasMessageStartingWith("fmnist.policy.min-shadowed: must be at least 1");
            assertThatThrownBy(() -> new PolicyThresholds(200, 50, 0.9, 200, 0, 0.05, 0.8))
                    .hasMessageStartingWith("fmnist.policy.shadow-share: must be above 0 and at most 1");
            assertThatThrownBy(() -> new PolicyThresholds(200, 50, 0.9, 200, 1, 1.5, 0.8))
                    .hasMessageStartingWith("fmnist.policy.rollback-margin: must be between 0 and 1");
            assertThatThrownBy(() -> new PolicyThresholds(200, 50, 0.9, 200, 1, 0.05, -0.1))
                    .hasMessageStartingWith("fmnist.live.accuracy-floor: must be between 0 and 1");
        }

        @Test
        void figuresPrint() {
            assertThat(PromotionPolicy.pair(0.9496, 0.9504, 3)).containsExactly("0.9496", "0.9504");
            assertThat(PromotionPolicy.pair(0.5, 0.5, 3)).containsExactly("0.500", "0.500");
            assertThat(PromotionPolicy.plain(0.90)).isEqualTo("0.9");
            assertThat(PromotionPolicy.plain(0.05)).isEqualTo("0.05");
        }
    }
}
