package dev.fmnist.contract.predictions;

import static dev.fmnist.contract.predictions.PredictionRecordTest.bytes;
import static dev.fmnist.contract.predictions.PredictionRecordTest.tree;
import static dev.fmnist.contract.predictions.PredictionRecordTest.write;
import static dev.fmnist.contract.predictions.Samples.REQUEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.data.FashionMnist;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** A label for a prediction: round trips, labels as people write them, hostile records refused by field. */
class FeedbackRecordTest {

    private static final FeedbackRecord GOOD = new FeedbackRecord(REQUEST + ".2", 3, "reviewer", "alice@example.com",
            Samples.AT);

    @Test
    void aLabelRoundTripsAndSaysItsClassName() {
        assertThat(FeedbackRecord.parse(REQUEST + ".2", GOOD.toJson())).isEqualTo(GOOD);
        assertThat(tree(GOOD.toJson()).get("labelName").asText()).isEqualTo("Dress");
        FeedbackRecord anonymous = FeedbackRecord.of(REQUEST, 0, FeedbackRecord.CLIENT, null);
        assertThat(FeedbackRecord.parse(REQUEST, anonymous.toJson())).isEqualTo(anonymous);
        assertThat(tree(anonymous.toJson()).has("by")).isFalse();
        // labelName is for people: a record without it reads the same
        assertThat(FeedbackRecord.parse(REQUEST + ".2", write(tree(GOOD.toJson()).without("labelName")))).isEqualTo(GOOD);
    }

    @Test
    void labelsAreReadAsIndexesOrClassNamesInAnyCase() {
        for (int c = 0; c < FashionMnist.CLASSES; c++) {
            assertThat(FeedbackRecord.parseLabel(Integer.toString(c), "label")).isEqualTo(c);
            assertThat(FeedbackRecord.parseLabel(FashionMnist.CLASS_NAMES[c], "label")).isEqualTo(c);
            assertThat(FeedbackRecord.parseLabel(FashionMnist.CLASS_NAMES[c].toUpperCase(), "label")).isEqualTo(c);
        }
        assertThat(FeedbackRecord.parseLabel(" dress ", "label")).isEqualTo(3);
        assertThat(FeedbackRecord.parseLabel("t-shirt/top", "label")).isEqualTo(0);
        assertThat(FeedbackRecord.parseLabel("ankle boot", "label")).isEqualTo(9);
        for (String bad : new String[] {"10", "-1", "03", "shoe", "3.0", "Dress!", "x".repeat(10_000)}) {
            assertThatThrownBy(() -> FeedbackRecord.parseLabel(bad, "feedback.label")).as(bad.substring(0,
                    Math.min(bad.length(), 10))).hasMessageStartingWith("feedback.label: expected a class index 0..9 "
                    + "or a class name (T-shirt/top, Trouser").hasMessageNotContaining("x".repeat(100));
        }
        assertThatThrownBy(() -> FeedbackRecord.parseLabel(null, "label")).hasMessageStartingWith("label: required");
        assertThatThrownBy(() -> FeedbackRecord.parseLabel(" ", "label")).hasMessageStartingWith("label: required");
    }

    @Test
    void hostileRecordsAreRefusedNamingTheField() {
        byte[] good = GOOD.toJson();
        assertThatThrownBy(() -> FeedbackRecord.parse(REQUEST, null)).hasMessageStartingWith("value: a tombstone");
        assertThatThrownBy(() -> FeedbackRecord.parse(REQUEST, bytes("\"3\""))).hasMessageStartingWith("value: expected {");
        assertThatThrownBy(() -> FeedbackRecord.parse(REQUEST, new byte[FeedbackRecord.MAX_JSON_BYTES + 1]))
                .hasMessageStartingWith("value: ");
        assertThatThrownBy(() -> FeedbackRecord.parse(REQUEST, good)).hasMessageStartingWith(
                "predictionId: '" + REQUEST + ".2' under the key '" + REQUEST + "'");
        refused(good, n -> n.put("predictionId", "../../etc"), "predictionId: expected a prediction id");
        refused(good, n -> n.remove("predictionId"), "predictionId: required");
        refused(good, n -> n.put("label", 10), "label: must be between 0 and 9");
        refused(good, n -> n.put("label", "Dress"), "label: expected an integer");
        refused(good, n -> n.remove("label"), "label: required");
        refused(good, n -> n.put("labelName", "Coat"), "labelName: 'Coat' is not the name of label 3");
        refused(good, n -> n.put("source", "model"), "source: expected one of client, reviewer");
        refused(good, n -> n.remove("source"), "source: required");
        refused(good, n -> n.put("by", "x".repeat(101)), "by: at most 100 characters, got 101");
        refused(good, n -> n.put("by", "alice\u001b[2J"), "by: expected printable characters");
        refused(good, n -> n.put("by", "alice\u202eevil"), "by: expected printable characters");
        refused(good, n -> n.put("by", " "), "by: expected printable characters");
        refused(good, n -> n.put("by", 7), "by: expected a string");
        refused(good, n -> n.put("at", "2026-12-06"), "at: not an ISO-8601 instant");
        assertThat(new FeedbackRecord(REQUEST, 1, "client", "Zoë Ødegård 名前", Samples.AT).by()).isNotNull();
    }

    private static void refused(byte[] good, Consumer<ObjectNode> breakIt, String message) {
        ObjectNode node = tree(good);
        breakIt.accept(node);
        String key = node.path("predictionId").asText(REQUEST);
        assertThatThrownBy(() -> FeedbackRecord.parse(key, write(node))).as(node.toString())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message);
    }
}
