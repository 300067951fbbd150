package dev.fmnist.contract.predictions;

import static dev.fmnist.contract.predictions.PredictionRecordTest.tree;
import static dev.fmnist.contract.predictions.PredictionRecordTest.write;
import static dev.fmnist.contract.predictions.Samples.CHALLENGER;
import static dev.fmnist.contract.predictions.Samples.CHAMPION;
import static dev.fmnist.contract.predictions.Samples.REQUEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** What the live-accuracy processor folds: counts that add up, recent windows, agreement, hostile records. */
class LiveStatsTest {

    private static final String KEY = "better/" + CHAMPION;

    private static PredictionRecord served(int i, int classIndex) {
        return Samples.served(REQUEST + "." + i, i, classIndex);
    }

    private static FeedbackRecord label(int i, int label) {
        return new FeedbackRecord(REQUEST + "." + i, label, "client", null, Samples.AT.plusSeconds(i));
    }

    /** 10 answers of class i % 3, labelled: the first 6 right, then 4 wrong. */
    private static LiveStats tenLabelled() {
        LiveStats stats = LiveStats.empty("better", CHAMPION);
        for (int i = 0; i < 10; i++) {
            PredictionRecord p = served(i, i % 3);
            stats = stats.withPrediction(p).withOutcome(p, label(i, i < 6 ? i % 3 : 9));
        }
        return stats;
    }

    @Test
    void predictionsAndOutcomesAreCounted() {
        LiveStats stats = tenLabelled();
        assertThat(stats.key()).isEqualTo(KEY);
        assertThat(stats.predictions()).isEqualTo(10);
        assertThat(stats.shadowPredictions()).isZero();
        assertThat(stats.predicted()).containsExactly(4, 3, 3, 0, 0, 0, 0, 0, 0, 0);
        assertThat(stats.labelled()).isEqualTo(10);
        assertThat(stats.correct()).isEqualTo(6);
        assertThat(stats.accuracy()).isEqualTo(0.6);
        assertThat(stats.recent()).isEqualTo("1111110000");
        assertThat(stats.recentAccuracy(4)).isZero();
        assertThat(stats.recentAccuracy(5)).isEqualTo(0.2);
        assertThat(stats.recentAccuracy(1000)).isEqualTo(0.6);
        assertThat(stats.recentLabelled(4)).isEqualTo(4);
        assertThat(stats.recentLabelled(1000)).isEqualTo(10);
        assertThat(stats.confusion()[9]).containsExactly(2, 1, 1, 0, 0, 0, 0, 0, 0, 0);
        assertThat(stats.confusion()[1][1]).isEqualTo(2);
        assertThat(stats.updatedAt()).isEqualTo(Samples.AT.plusSeconds(9));
        assertThat(stats.agreement()).isNaN();
        LiveStats empty = LiveStats.empty("better", CHAMPION);
        assertThat(empty.accuracy()).isNaN();
        assertThat(empty.recentAccuracy(200)).isNaN();
        assertThat(empty.updatedAt()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void recentKeepsTheLastThousandOutcomes() {
        LiveStats stats = LiveStats.empty("better", CHAMPION);
        PredictionRecord p = served(0, 1);
        stats = stats.withPrediction(p);
        for (int i = 0; i < LiveStats.RECENT_MAX + 5; i++) {
            stats = stats.withOutcome(p, label(0, i < 5 ? 0 : 1)); // 5 wrong, then right ones
        }
        assertThat(stats.recent()).hasSize(LiveStats.RECENT_MAX).doesNotContain("0");
        assertThat(stats.labelled()).isEqualTo(LiveStats.RECENT_MAX + 5);
        assertThat(stats.recentAccuracy(LiveStats.RECENT_MAX)).isEqualTo(1.0);
        assertThat(LiveStats.parse(KEY, stats.toJson())).isEqualTo(stats);
    }

    @Test
    void shadowAnswersAreComparedWithTheServedVersionAndStartAgainWhenItChanges() {
        LiveStats stats = LiveStats.empty("better", CHALLENGER);
        stats = stats.withPrediction(Samples.shadow(4, 4)).withPrediction(Samples.shadow(4, 3))
                .withPrediction(Samples.shadow(1, 1));
        assertThat(stats.shadowPredictions()).isEqualTo(3);
        assertThat(stats.predictions()).isZero();
        assertThat(stats.comparedWith()).isEqualTo(CHAMPION);
        assertThat(stats.compared()).isEqualTo(3);
        assertThat(stats.agreed()).isEqualTo(2);
        assertThat(stats.agreement()).isEqualTo(2.0 / 3);
        PredictionRecord againstAnother = new PredictionRecord(REQUEST, REQUEST, 0, "better", CHALLENGER,
                PredictionRole.SHADOW, 2, Samples.probabilities(2), "classify", RequestSource.RAW, 1, Samples.AT,
                "aaaaaaaaaaaa", 5, null);
        LiveStats after = stats.withPrediction(againstAnother);
        assertThat(after.comparedWith()).isEqualTo("aaaaaaaaaaaa");
        assertThat(after.compared()).isEqualTo(1);
        assertThat(after.agreed()).isZero();
        assertThat(after.shadowPredictions()).isEqualTo(4);
        assertThat(LiveStats.parse("better/" + CHALLENGER, after.toJson())).isEqualTo(after);
    }

    @Test
    void anotherVersionsAnswersAreNotFolded() {
        assertThatThrownBy(() -> LiveStats.empty("better", CHAMPION).withPrediction(Samples.shadow(1, 1)))
                .hasMessageStartingWith("version: a prediction of better/" + CHALLENGER);
        PredictionRecord p = served(1, 1);
        assertThatThrownBy(() -> LiveStats.empty("better", CHAMPION).withOutcome(p, label(2, 1)))
                .hasMessageStartingWith("predictionId: ");
    }

    @Test
    void statsRoundTripAndCannotBeChangedFromOutside() {
        LiveStats stats = tenLabelled();
        assertThat(LiveStats.parse(KEY, stats.toJson())).isEqualTo(stats);
        stats.predicted()[0] = 99;
        stats.confusion()[0][0] = 99;
        assertThat(stats.predicted()[0]).isEqualTo(4);
        assertThat(stats.confusion()[0][0]).isEqualTo(2);
    }

    @Test
    void hostileRecordsAreRefusedNamingTheField() {
        byte[] good = tenLabelled().toJson();
        assertThatThrownBy(() -> LiveStats.parse(KEY, null)).hasMessageStartingWith("value: a tombstone");
        assertThatThrownBy(() -> LiveStats.parse("better/" + CHALLENGER, good))
                .hasMessageStartingWith("model: '" + KEY + "' under the key 'better/" + CHALLENGER + "'");
        assertThatThrownBy(() -> LiveStats.parse(KEY, new byte[LiveStats.MAX_JSON_BYTES + 1]))
                .hasMessageStartingWith("value: ");
        refused(good, n -> n.put("predictions", -1), "predictions: must be between 0");
        refused(good, n -> n.put("predictions", 11), "predicted: sums to 10, but predictions + shadowPredictions is 11");
        refused(good, n -> n.put("predictions", Long.MAX_VALUE), "predictions: must be between 0 and");
        refused(good, n -> n.put("predictions", 1.5), "predictions: expected an integer");
        refused(good, n -> n.put("shadowPredictions", "0"), "shadowPredictions: expected an integer");
        refused(good, n -> ((ArrayNode) n.get("predicted")).add(0), "predicted: expected 10 elements, got 11");
        refused(good, n -> ((ArrayNode) n.get("predicted")).set(3, n.numberNode(-1)), "predicted[3]: must be");
        refused(good, n -> n.put("correct", 11), "correct: 11 is more than labelled (10)");
        refused(good, n -> n.put("labelled", 11), "confusion: sums to 10, but labelled is 11");
        refused(good, n -> n.put("correct", 5), "confusion: its diagonal sums to 6, but correct is 5");
        refused(good, n -> ((ArrayNode) n.get("confusion")).remove(0), "confusion: expected 10 elements, got 9");
        refused(good, n -> ((ArrayNode) n.get("confusion")).set(0, n.textNode("x")), "confusion[0]: expected an array");
        refused(good, n -> ((ArrayNode) n.get("confusion").get(2)).set(2, n.numberNode(1e30)),
                "confusion[2][2]: expected an integer");
        refused(good, n -> n.put("recent", "111111000x"), "recent: expected only '0' and '1'");
        refused(good, n -> n.put("recent", "11111110000"), "recent: at most 10 outcomes");
        refused(good, n -> n.put("recent", "1111111000"), "recent: 7 right of 10 does not fit");
        refused(good, n -> n.put("recent", "1".repeat(2000)), "recent: at most 1000 characters");
        refused(good, n -> n.remove("recent"), "recent: required");
        refused(good, n -> n.put("compared", 1), "compared: 1 without comparedWith");
        refused(good, n -> n.put("comparedWith", CHAMPION), "comparedWith: the version itself");
        refused(good, n -> n.put("comparedWith", "nope"), "comparedWith: expected an artefact version");
        refused(good, n -> n.put("comparedWith", CHALLENGER).put("compared", 1), "compared: 1 is more than shadowPredictions");
        refused(good, n -> n.put("agreed", 1), "agreed: 1 is more than compared (0)");
        refused(good, n -> n.put("updatedAt", "now"), "updatedAt: not an ISO-8601 instant");
        refused(good, n -> n.put("model", "resnet"), "model: ");
        refused(good, n -> n.put("version", "x"), "version: ");
    }

    private static void refused(byte[] good, Consumer<ObjectNode> breakIt, String message) {
        ObjectNode node = tree(good);
        breakIt.accept(node);
        String key = node.path("model").asText() + "/" + node.path("version").asText();
        assertThatThrownBy(() -> LiveStats.parse(key, write(node))).as(node.toString())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }
}
