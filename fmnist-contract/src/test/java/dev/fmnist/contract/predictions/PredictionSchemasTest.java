package dev.fmnist.contract.predictions;

import static dev.fmnist.contract.predictions.PredictionRecordTest.tree;
import static dev.fmnist.contract.predictions.PredictionRecordTest.write;
import static dev.fmnist.contract.schemas.SchemaChecks.components;
import static dev.fmnist.contract.schemas.SchemaChecks.names;
import static dev.fmnist.contract.schemas.SchemaChecks.schema;
import static dev.fmnist.contract.schemas.SchemaChecks.texts;
import static dev.fmnist.contract.schemas.SchemaChecks.validator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.schemas.ContractSchema;
import dev.fmnist.contract.schemas.SchemaChecks;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The schemas of the prediction log, the feedback and the live statistics say what the records' code
 * does: the same fields, the same required ones, the same enums and bounds; what the code writes is
 * valid, and what the schema refuses the code refuses too.
 */
class PredictionSchemasTest {

    /** The fields whose absence makes {@code parse} refuse {@code full}, a record of key {@code key}. */
    private static Set<String> requiredByCode(byte[] full, BiFunction<String, byte[], ?> parse, String key) {
        return SchemaChecks.requiredByCode(tree(full), without -> parse.apply(key, write(without)));
    }

    @Test
    void thePredictionSchemaIsTheRecord() {
        JsonNode schema = schema(ContractSchema.PREDICTION);
        JsonNode p = schema.get("properties");
        assertThat(names(p)).isEqualTo(components(PredictionRecord.class));
        PredictionRecord served = Samples.served(3);
        assertThat(new TreeSet<>(texts(schema.get("required"))))
                .isEqualTo(requiredByCode(served.toJson(), PredictionRecord::parse, served.predictionId()));
        assertThat(texts(p.at("/role/enum"))).containsExactly(Arrays.stream(PredictionRole.values())
                .map(PredictionRole::wire).toArray(String[]::new));
        assertThat(texts(p.at("/source/enum"))).containsExactly(Arrays.stream(RequestSource.values())
                .map(RequestSource::wire).toArray(String[]::new));
        assertThat(texts(p.at("/api/enum"))).isEqualTo(PredictionRecord.APIS);
        assertThat(p.at("/index/maximum").asInt()).isEqualTo(PredictionIds.MAX_IMAGES - 1);
        assertThat(p.at("/latencyMicros/maximum").asLong()).isEqualTo(PredictionRecord.MAX_LATENCY_MICROS);
        assertThat(p.at("/probabilities/maxItems").asInt()).isEqualTo(FashionMnist.CLASSES);
        assertThat(p.at("/classIndex/maximum").asInt()).isEqualTo(FashionMnist.CLASSES - 1);

        JsonSchema validator = validator(ContractSchema.PREDICTION);
        for (PredictionRecord record : List.of(served, Samples.shadow(4, 3), Samples.withPixels())) {
            assertThat(validator.validate(tree(record.toJson()))).as(record.toString()).isEmpty();
        }
        byte[] good = Samples.shadow(4, 3).toJson();
        for (Consumer<ObjectNode> breakIt : List.<Consumer<ObjectNode>>of(
                n -> n.put("predictionId", "ABC"), n -> n.put("predictionId", Samples.REQUEST + ".01"),
                n -> n.put("index", -1), n -> n.put("model", "resnet"), n -> n.put("version", "7DAA286411A7"),
                n -> n.put("role", "champion"), n -> n.put("classIndex", 10), n -> n.withArray("probabilities").add(0),
                n -> n.withArray("probabilities").set(0, n.numberNode(1.5)), n -> n.put("api", "soap"),
                n -> n.put("latencyMicros", -1), n -> n.put("servedClassIndex", 11), n -> n.remove("at"),
                n -> n.put("pixels", "A".repeat(4000)))) {
            ObjectNode node = tree(good);
            breakIt.accept(node);
            assertThat(validator.validate(node)).as("the schema refuses " + node).isNotEmpty();
            assertThatThrownBy(() -> PredictionRecord.parse(node.path("predictionId").asText(), write(node)))
                    .as("the code refuses " + node).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theFeedbackSchemaIsTheRecord() {
        JsonNode schema = schema(ContractSchema.FEEDBACK);
        JsonNode p = schema.get("properties");
        Set<String> fields = components(FeedbackRecord.class);
        fields.add("labelName");
        assertThat(names(p)).isEqualTo(fields);
        FeedbackRecord feedback = new FeedbackRecord(Samples.REQUEST, 9, "client", "bob", Samples.AT);
        assertThat(new TreeSet<>(texts(schema.get("required"))))
                .isEqualTo(requiredByCode(feedback.toJson(), FeedbackRecord::parse, Samples.REQUEST));
        assertThat(texts(p.at("/labelName/enum"))).containsExactly(FashionMnist.CLASS_NAMES);
        assertThat(texts(p.at("/source/enum"))).isEqualTo(FeedbackRecord.SOURCES);
        assertThat(p.at("/by/maxLength").asInt()).isEqualTo(FeedbackRecord.MAX_BY);
        assertThat(p.at("/label/maximum").asInt()).isEqualTo(FashionMnist.CLASSES - 1);
        JsonSchema validator = validator(ContractSchema.FEEDBACK);
        assertThat(validator.validate(tree(feedback.toJson()))).isEmpty();
        for (Consumer<ObjectNode> breakIt : List.<Consumer<ObjectNode>>of(n -> n.put("label", 10),
                n -> n.put("source", "model"), n -> n.put("by", "x".repeat(101)), n -> n.put("labelName", "Boot"),
                n -> n.remove("predictionId"))) {
            ObjectNode node = tree(feedback.toJson());
            breakIt.accept(node);
            assertThat(validator.validate(node)).as("the schema refuses " + node).isNotEmpty();
            assertThatThrownBy(() -> FeedbackRecord.parse(Samples.REQUEST, write(node))).as("the code refuses " + node)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void theLiveStatsSchemaIsTheRecord() {
        JsonNode schema = schema(ContractSchema.LIVE_STATS);
        JsonNode p = schema.get("properties");
        assertThat(names(p)).isEqualTo(components(LiveStats.class));
        LiveStats stats = LiveStats.empty("better", Samples.CHALLENGER).withPrediction(Samples.shadow(4, 3))
                .withPrediction(Samples.shadow(3, 3));
        PredictionRecord shadow = Samples.shadow(4, 3);
        stats = stats.withOutcome(shadow, new FeedbackRecord(shadow.predictionId(), 3, "reviewer", null, Samples.AT));
        assertThat(new TreeSet<>(texts(schema.get("required"))))
                .isEqualTo(requiredByCode(LiveStats.empty("mlp", Samples.CHAMPION).toJson(), LiveStats::parse,
                        "mlp/" + Samples.CHAMPION));
        assertThat(p.at("/recent/maxLength").asInt()).isEqualTo(LiveStats.RECENT_MAX);
        assertThat(schema.at("/$defs/count/maximum").asLong()).isEqualTo(LiveStats.MAX_COUNT);
        assertThat(schema.at("/$defs/classCounts/maxItems").asInt()).isEqualTo(FashionMnist.CLASSES);
        JsonSchema validator = validator(ContractSchema.LIVE_STATS);
        assertThat(validator.validate(tree(stats.toJson()))).isEmpty();
        assertThat(tree(stats.toJson()).get("comparedWith").asText()).isEqualTo(Samples.CHAMPION);
        byte[] good = stats.toJson();
        String key = stats.key();
        for (Consumer<ObjectNode> breakIt : List.<Consumer<ObjectNode>>of(n -> n.put("predictions", -1),
                n -> n.withArray("predicted").add(0), n -> n.put("recent", "012"), n -> n.put("comparedWith", "x"),
                n -> n.withArray("confusion").remove(0), n -> n.put("labelled", 1L << 54))) {
            ObjectNode node = tree(good);
            breakIt.accept(node);
            assertThat(validator.validate(node)).as("the schema refuses " + node).isNotEmpty();
            assertThatThrownBy(() -> LiveStats.parse(key, write(node))).as("the code refuses " + node)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
