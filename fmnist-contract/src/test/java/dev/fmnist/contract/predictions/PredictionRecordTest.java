package dev.fmnist.contract.predictions;

import static dev.fmnist.contract.predictions.Samples.REQUEST;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The prediction log's record: round trips, and every hostile record refused naming its field. */
class PredictionRecordTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void recordsOfEveryRoleRoundTripThroughTheirJson() {
        for (PredictionRecord record : new PredictionRecord[] {Samples.served(3), Samples.shadow(4, 3),
                Samples.withPixels(), Samples.served(REQUEST + ".12", 12, 0)}) {
            PredictionRecord read = PredictionRecord.parse(record.predictionId(), record.toJson());
            assertThat(read).isEqualTo(record);
            assertThat(read.probabilities()).containsExactly(record.probabilities());
        }
        assertThat(PredictionRecord.parse(REQUEST + ".3", Samples.withPixels().toJson()).capturedPixels())
                .hasValueSatisfying(p -> assertThat(p).containsExactly(Samples.pixels()));
        assertThat(Samples.served(3).capturedPixels()).isEmpty();
        assertThat(Samples.withPixels().withoutPixels().capturedPixels()).isEmpty();
    }

    @Test
    void everyFloatReadsBackAsTheSameFloat() {
        SplittableRandom random = new SplittableRandom(27);
        for (int n = 0; n < 2000; n++) {
            float[] p = new float[10];
            float sum = 0;
            for (int c = 0; c < 10; c++) {
                p[c] = (float) random.nextDouble();
                sum += p[c];
            }
            int top = 0;
            for (int c = 0; c < 10; c++) {
                p[c] /= sum;
                top = p[c] > p[top] ? c : top;
            }
            PredictionRecord record = new PredictionRecord(REQUEST, REQUEST, 0, "mlp", Samples.CHAMPION,
                    PredictionRole.SERVED, top, p, "classify", RequestSource.RAW, n, Samples.AT, null, null, null);
            assertThat(PredictionRecord.parse(REQUEST, record.toJson()).probabilities()).containsExactly(p);
        }
    }

    @Test
    void aShadowAnswerSaysWhetherItAgreed() {
        assertThat(Samples.shadow(3, 3).agrees()).isTrue();
        assertThat(Samples.shadow(4, 3).agrees()).isFalse();
        assertThat(Samples.served(4).agrees()).isTrue();
        assertThat(PredictionRole.SHADOW.answeredClient()).isFalse();
        assertThat(PredictionRole.CANARY.answeredClient()).isTrue();
    }

    @Test
    void theRecordCannotBeChangedFromOutside() {
        float[] p = Samples.probabilities(2);
        PredictionRecord record = new PredictionRecord(REQUEST, REQUEST, 0, "mlp", Samples.CHAMPION,
                PredictionRole.SERVED, 2, p, "classify", RequestSource.RAW, 1, Samples.AT, null, null, null);
        p[2] = 0;
        record.probabilities()[2] = 0;
        assertThat(record.confidence()).isEqualTo(Samples.probabilities(2)[2]);
    }

    @Test
    void hostileRecordsAreRefusedNamingTheField() {
        byte[] good = Samples.shadow(4, 3).toJson();
        assertThatThrownBy(() -> PredictionRecord.parse(REQUEST, null)).hasMessageStartingWith("value: a tombstone");
        assertThatThrownBy(() -> PredictionRecord.parse(REQUEST, bytes("[1]"))).hasMessageStartingWith("value: expected {");
        assertThatThrownBy(() -> PredictionRecord.parse(REQUEST, bytes("{\"predictionId\":"))).hasMessageStartingWith(
                "value: not valid JSON");
        assertThatThrownBy(() -> PredictionRecord.parse(REQUEST, new byte[PredictionRecord.MAX_JSON_BYTES + 1]))
                .hasMessageStartingWith("value: " + (PredictionRecord.MAX_JSON_BYTES + 1) + " bytes");
        assertThatThrownBy(() -> PredictionRecord.parse(REQUEST + ".1", good))
                .hasMessageStartingWith("predictionId: '" + REQUEST + "' under the key");
        assertThatThrownBy(() -> PredictionRecord.parse(null, good)).hasMessageStartingWith("predictionId: ");

        refused(good, n -> n.remove("predictionId"), "predictionId: required");
        refused(good, n -> n.put("predictionId", REQUEST + ".1"), "predictionId: ", REQUEST + ".1");
        refused(good, n -> n.put("requestId", "fedcba9876543210fedcba9876543210"), "predictionId: ");
        refused(good, n -> n.put("requestId", 7), "requestId: expected a string, got NUMBER");
        refused(good, n -> n.put("index", 1), "predictionId: ");
        refused(good, n -> n.put("index", "0"), "index: expected an integer");
        refused(good, n -> n.put("index", 1.5), "index: expected an integer");
        refused(good, n -> n.put("index", 10_000), "index: must be between 0 and 9999");
        refused(good, n -> n.put("model", "resnet"), "model: ");
        refused(good, n -> n.put("model", "better "), "model: ");
        refused(good, n -> n.put("model", "x".repeat(1000)), "model: at most");
        refused(good, n -> n.put("version", "7DAA286411A7"), "version: expected an artefact version");
        refused(good, n -> n.put("role", "champion"), "role: expected one of served, canary, shadow");
        refused(good, n -> n.remove("role"), "role: required");
        refused(good, n -> n.put("classIndex", 10), "classIndex: must be between 0 and 9");
        refused(good, n -> n.put("classIndex", 3), "classIndex: 3 is not the most probable class");
        refused(good, n -> n.putArray("probabilities").add(1), "probabilities: expected 10 elements, got 1");
        refused(good, n -> n.put("probabilities", "0.1"), "probabilities: expected an array");
        refused(good, n -> n.withArray("probabilities").set(0, n.textNode("0.1")), "probabilities[0]: expected a number");
        refused(good, n -> n.withArray("probabilities").set(1, n.numberNode(-0.01)), "probabilities[1]: must be");
        refused(good, n -> n.withArray("probabilities").set(1, n.numberNode(1e300)), "probabilities[1]: must be");
        refused(good, n -> n.withArray("probabilities").set(1, n.numberNode(0.5)), "probabilities: must sum to 1");
        refused(good, n -> n.put("api", "soap"), "api: expected one of classify, oip-grpc, oip-rest");
        refused(good, n -> n.put("source", "png"), "source: expected one of raw, float, encoded");
        refused(good, n -> n.put("latencyMicros", -1), "latencyMicros: must be between 0");
        refused(good, n -> n.put("latencyMicros", "9".repeat(30)), "latencyMicros: expected an integer");
        refused(good, n -> n.put("at", "yesterday"), "at: not an ISO-8601 instant");
        refused(good, n -> n.remove("at"), "at: required");
        refused(good, n -> n.remove("servedVersion"), "servedVersion: required");
        refused(good, n -> n.put("servedVersion", Samples.CHALLENGER), "servedVersion: a shadow answer of");
        refused(good, n -> n.remove("servedClassIndex"), "servedClassIndex: required for a shadow answer");
        refused(good, n -> n.put("servedClassIndex", -1), "servedClassIndex: must be between 0 and 9");
        refused(good, n -> n.put("role", "served"), "servedVersion: only a shadow answer has one");
        refused(good, n -> n.put("role", "canary").remove("servedVersion"), "servedClassIndex: only a shadow answer");
        refused(good, n -> n.put("pixels", "not base64!"), "pixels: not base64");
        refused(good, n -> n.put("pixels", Base64.getEncoder().encodeToString(new byte[783])),
                "pixels: expected 784 bytes, got 783");
        refused(good, n -> n.put("pixels", "A".repeat(5000)), "pixels: at most");
        // a field it does not know is a newer writer's: ignored
        ObjectNode newer = tree(good).put("region", "eu");
        assertThat(PredictionRecord.parse(REQUEST, write(newer))).isEqualTo(Samples.shadow(4, 3));
    }

    private static void refused(byte[] good, Consumer<ObjectNode> breakIt, String... message) {
        ObjectNode node = tree(good);
        breakIt.accept(node);
        String key = node.path("predictionId").asText(REQUEST);
        var thrown = assertThatThrownBy(() -> PredictionRecord.parse(key, write(node))).as(node.toString())
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith(message[0]);
        for (int i = 1; i < message.length; i++) {
            thrown.hasMessageContaining(message[i]);
        }
    }

    static ObjectNode tree(byte[] json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] write(ObjectNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
