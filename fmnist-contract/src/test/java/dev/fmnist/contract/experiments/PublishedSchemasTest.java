package dev.fmnist.contract.experiments;

import static dev.fmnist.contract.schemas.SchemaChecks.components;
import static dev.fmnist.contract.schemas.SchemaChecks.names;
import static dev.fmnist.contract.schemas.SchemaChecks.schema;
import static dev.fmnist.contract.schemas.SchemaChecks.texts;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.SweepSummary;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.schemas.ContractSchema;
import dev.fmnist.contract.schemas.SchemaChecks;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The JSON Schemas the contract's jar ships ({@link ContractSchema}, read from the class path) say
 * what the contract's code does: fields, names, bounds and defaults; each is a valid 2020-12 schema.
 */
class PublishedSchemasTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The event schema as a validator: what a written event is checked against. */
    static JsonSchema eventSchema() {
        return SchemaChecks.validator(ContractSchema.EXPERIMENT_EVENT);
    }

    /** The fields the event schema allows an event of {@code kind}: the common ones, the subject's (all but REJECTED) and its own. */
    static Set<String> schemaFields(Type kind) {
        JsonNode schema = schema(ContractSchema.EXPERIMENT_EVENT);
        JsonNode shape = kindShape(schema, kind);
        Set<String> fields = names(schema.get("properties"));
        fields.addAll(names(shape.get("properties")));
        if (shape.has("allOf")) {
            assertThat(shape.at("/allOf/0/$ref").asText()).isEqualTo("#/$defs/subject");
            fields.addAll(names(schema.at("/$defs/subject/properties")));
        }
        return fields;
    }

    /** The oneOf branch of {@code kind}: the one whose {@code type} is that kind's constant. */
    static JsonNode kindShape(JsonNode eventSchema, Type kind) {
        List<JsonNode> shapes = new ArrayList<>();
        eventSchema.get("oneOf").forEach(shape -> {
            if (shape.at("/properties/type/const").asText().equals(kind.name())) {
                shapes.add(shape);
            }
        });
        assertThat(shapes).as("the event schema's shape of " + kind).hasSize(1);
        return shapes.get(0);
    }

    /** The JSON fields a record of {@code kind} can write: its components, its subject's in place of the subject, and the type. */
    static Set<String> recordFields(Type kind) {
        Set<String> fields = components(kind.eventClass().asSubclass(Record.class));
        if (fields.remove("subject")) {
            fields.addAll(components(Subject.class));
        }
        fields.add("type");
        return fields;
    }

    @Test
    void theRequestSchemaHasTheParsersFieldsNamesBoundsAndDefaults() throws IOException {
        JsonNode request = schema(ContractSchema.EXPERIMENT_REQUEST);
        JsonNode p = request.get("properties");
        assertThat(names(p)).isEqualTo(new TreeSet<>(RequestParser.FIELDS));
        assertThat(request.get("additionalProperties").asBoolean()).isFalse();
        assertThat(p.at("/experimentId/pattern").asText()).isEqualTo("^" + RequestParser.EXPERIMENT_ID.pattern() + "$");
        assertThat(texts(p.at("/recipe/enum"))).containsExactly(Arrays.stream(NamedRecipe.values())
                .map(NamedRecipe::id).toArray(String[]::new));
        assertThat(texts(p.at("/architecture/enum"))).containsExactly(Arrays.stream(Architecture.values())
                .map(Architecture::id).toArray(String[]::new));
        assertThat(texts(p.at("/optimizer/enum"))).containsExactly(Arrays.stream(OptimizerKind.values())
                .map(OptimizerKind::id).toArray(String[]::new));
        assertThat(texts(p.at("/sweep/oneOf/0/properties/parameter/enum"))).isEqualTo(Sweep.PARAMETERS);
        assertThat(p.at("/sweep/oneOf/0/properties/values/maxItems").asInt()).isEqualTo(Sweep.MAX_VALUES);
        JsonNode random = p.at("/sweep/oneOf/1/properties");
        assertThat(random.at("/type/const").asText()).isEqualTo(Sweep.RANDOM);
        assertThat(random.at("/trials/maximum").asInt()).isEqualTo(Sweep.MAX_TRIALS);
        assertThat(texts(random.at("/space/propertyNames/enum"))).isEqualTo(Sweep.SEARCHABLE);
        assertThat(names(random.get("medianStopping").get("properties"))).isEqualTo(components(MedianStopping.class));
        assertThat(random.at("/medianStopping/properties/minTrials/default").asInt())
                .isEqualTo(MedianStopping.DEFAULT_MIN_TRIALS);
        assertThat(random.at("/medianStopping/properties/gracePeriod/default").asInt())
                .isEqualTo(MedianStopping.DEFAULT_GRACE_PERIOD);
        assertThat(random.at("/space/additionalProperties/oneOf").findValues("required").stream()
                .map(r -> r.get(0).asText()).toList()).isEqualTo(SearchDistribution.KINDS);
        assertThat(p.at("/k/minimum").asInt()).isEqualTo(NetworkSpec.MIN_KERNEL);
        assertThat(p.at("/k/maximum").asInt()).isEqualTo(NetworkSpec.MAX_KERNEL);
        assertThat(p.at("/k/default").asInt()).isEqualTo(NetworkSpec.BASELINE_KERNEL);
        assertThat(p.at("/epochs/maximum").asInt()).isEqualTo(HyperParameters.MAX_EPOCHS);
        assertThat(p.at("/batchSize/maximum").asInt()).isEqualTo(HyperParameters.MAX_BATCH_SIZE);
        assertThat(p.at("/learningRate/maximum").asDouble()).isEqualTo(HyperParameters.MAX_LEARNING_RATE);
        assertThat(p.at("/trainLimit/maximum").asInt()).isEqualTo(HyperParameters.MAX_TRAIN_IMAGES);
        assertThat(p.at("/tags/maxProperties").asInt()).isEqualTo(RequestParser.MAX_TAGS);
        assertThat(p.at("/tags/additionalProperties/maxLength").asInt()).isEqualTo(RequestParser.MAX_TAG_LENGTH);

        HyperParameters seed = HyperParameters.defaults();
        ExperimentRequest defaults = new RequestParser(() -> "x").parse("{}".getBytes());
        assertThat(p.at("/architecture/default").asText()).isEqualTo(defaults.network().architecture().id());
        assertThat(p.at("/epochs/default").asInt()).isEqualTo(seed.epochs());
        assertThat(p.at("/batchSize/default").asInt()).isEqualTo(seed.batchSize());
        assertThat(p.at("/learningRate/default").asDouble()).isEqualTo(seed.learningRate());
        assertThat(p.at("/optimizer/default").asText()).isEqualTo(seed.optimizer().id());
        assertThat(p.at("/momentum/default").asDouble()).isEqualTo(seed.momentum());
        assertThat(p.at("/shuffle/default").asBoolean()).isEqualTo(seed.shuffle());
        assertThat(p.at("/seed/default").asLong()).isEqualTo(seed.seed());
        assertThat(p.at("/trainLimit/default").asInt()).isEqualTo(seed.trainLimit());
        assertThat(p.at("/validationSplit/default").asInt()).isEqualTo(seed.validationSplit());
        assertThat(p.at("/validationSplit/maximum").asInt()).isEqualTo(HyperParameters.MAX_VALIDATION_SPLIT);
        assertThat(p.at("/keepBest/default").asText()).isEqualTo(seed.keepBest().id());
        assertThat(texts(p.at("/keepBest/enum"))).containsExactly(Arrays.stream(KeepBest.values()).map(KeepBest::id)
                .toArray(String[]::new));
        assertThat(names(p.at("/earlyStopping/properties"))).isEqualTo(components(EarlyStopping.class));
        assertThat(p.at("/earlyStopping/properties/patience/maximum").asInt()).isEqualTo(EarlyStopping.MAX_PATIENCE);
        assertThat(p.at("/weightDecay/default").asDouble()).isEqualTo(seed.weightDecay());
        assertThat(p.at("/lrSchedule/default").asText()).isEqualTo(seed.lrSchedule().id());
        assertThat(p.at("/labelSmoothing/default").asDouble()).isEqualTo(seed.labelSmoothing());
        assertThat(p.at("/dropout/default").asDouble()).isEqualTo(seed.dropout());
        assertThat(p.at("/trainAccuracy/default").asText()).isEqualTo(seed.trainAccuracy().id());
        assertThat(texts(p.at("/trainAccuracy/enum"))).containsExactly(Arrays.stream(TrainAccuracyMode.values())
                .map(TrainAccuracyMode::id).toArray(String[]::new));
        assertThat(names(p.at("/augmentation/properties"))).isEqualTo(components(Augmentation.class));
        assertThat(p.at("/augmentation/properties/cropPadding/maximum").asInt()).isEqualTo(Augmentation.MAX_CROP_PADDING);
        assertThat(p.at("/augmentation/properties/cropPadding/default").asInt()).isEqualTo(seed.augmentation().cropPadding());
        assertThat(p.at("/augmentation/properties/horizontalFlip/default").asBoolean())
                .isEqualTo(seed.augmentation().horizontalFlip());
        assertThat(p.at("/augmentation/properties/photo/default").asBoolean()).isEqualTo(seed.augmentation().photo());
        assertThat(p.at("/augmentation/properties/photo/type").asText()).isEqualTo("boolean");
        assertThat(p.at("/augmentation/properties/testTimeFlip/default").asBoolean())
                .isEqualTo(seed.augmentation().testTimeFlip());
        assertThat(p.at("/augmentation/properties/testTimeFlip/type").asText()).isEqualTo("boolean");
        assertThat(texts(p.at("/lrSchedule/enum"))).containsExactly(Arrays.stream(LearningRateSchedule.values())
                .map(LearningRateSchedule::id).toArray(String[]::new));
    }

    @Test
    void everySchemaIsAValidSchemaAndNamesItsFile() {
        JsonSchema meta = SchemaChecks.metaSchema();
        for (ContractSchema contract : ContractSchema.values()) {
            JsonNode schema = schema(contract);
            assertThat(meta.validate(schema)).as(contract.resourcePath()).isEmpty();
            assertThat(schema.get("$id").asText()).as(contract.resourcePath()).endsWith("/" + contract.fileName());
            assertThat(contract.resourcePath()).isEqualTo("dev/fmnist/contract/schemas/" + contract.fileName());
        }
    }

    @Test
    void theEventSchemaHasOneShapePerKindWithTheRecordsFields() {
        JsonNode schema = schema(ContractSchema.EXPERIMENT_EVENT);
        assertThat(texts(schema.at("/properties/type/enum"))).containsExactly(Arrays.stream(Type.values())
                .map(Enum::name).toArray(String[]::new));
        assertThat(schema.get("oneOf")).hasSize(Type.values().length);
        for (Type kind : Type.values()) {
            assertThat(schemaFields(kind)).as(kind.name()).isEqualTo(recordFields(kind));
            Set<String> required = new TreeSet<>(texts(schema.get("required")));
            kindShape(schema, kind).path("required").forEach(field -> required.add(field.asText()));
            assertThat(required).as(kind + ": required by the schema, non-null in the record")
                    .isEqualTo(requiredFields(kind));
        }
        assertThat(names(schema.at("/$defs/subject/properties"))).isEqualTo(components(Subject.class));
        assertThat(names(schema.at("/$defs/metrics/properties"))).isEqualTo(components(EventMetrics.class));
        assertThat(names(schema.at("/$defs/sweepRow/properties"))).isEqualTo(components(SweepRow.class));
        assertThat(names(schema.at("/$defs/subject/properties/sweep/properties"))).isEqualTo(components(Sweep.class));
    }

    /**
     * The fields a record of {@code kind} refuses to be without, found by building it with each one
     * left out in turn from a full JSON line of that kind.
     */
    private static Set<String> requiredFields(Type kind) {
        return SchemaChecks.requiredByCode(JSON.valueToTree(ExperimentEventTest.sample(kind)),
                without -> ExperimentEvent.parse(SchemaChecks.bytes(without)));
    }

    @Test
    void anEventAsWrittenMatchesTheSchemaAndLeavesOutWhatItDoesNotSet() throws IOException {
        ExperimentEvent epoch = Epoch.of("exp-1", Subject.NONE, 0,
                EventMetrics.of(new EpochMetrics(0, 1.5, 0.5, 0.8, 0.79, 0.2, 4000, 0)));
        JsonNode written = JSON.readTree(epoch.toJson());
        assertThat(eventSchema().validate(written)).isEmpty();
        assertThat(names(written)).containsExactly("at", "epoch", "experimentId", "metrics", "type");
        assertThat(names(written.get("metrics"))).containsExactly("epochSeconds", "imagesPerSecond", "loss",
                "testAccuracy", "trainAccuracy");

        ExperimentEvent progress = Progress.of("exp-1", Subject.NONE, 0, 3, 10, 1234.5);
        assertThat(JSON.readTree(progress.toJson()).get("metrics").toString()).isEqualTo("{\"imagesPerSecond\":1234.5}");

        SweepRow row = new SweepRow(3, "exp-1/k=3", Type.FAILED, null, null, null, 1, "diverged");
        ExperimentEvent summary = SweepSummary.of("exp-1", Subject.NONE, List.of(row), "exp-1/sweep.png");
        assertThat(JSON.readTree(summary.toJson()).get("summary").get(0).toString())
                .isEqualTo("{\"value\":3.0,\"experimentId\":\"exp-1/k=3\",\"status\":\"FAILED\",\"epochsDone\":1,"
                        + "\"reason\":\"diverged\"}");

        JsonNode wrongShape = JSON.readTree(epoch.toJsonString().replace("\"EPOCH\"", "\"RUNNING\""));
        assertThat(eventSchema().validate(wrongShape)).as("a RUNNING without device and worker").isNotEmpty();
    }

    @Test
    void theStateSchemaHasTheStatesFieldsAndAStateAsWrittenReadsBackEqual() throws IOException {
        JsonNode p = schema(ContractSchema.EXPERIMENT_STATE).get("properties");
        assertThat(names(p)).isEqualTo(components(ExperimentState.class));
        assertThat(texts(p.at("/status/enum"))).containsExactly(Arrays.stream(Type.values())
                .filter(t -> t != Type.PROGRESS && t != Type.EPOCH && t != Type.RESUMED // RESUMED folds to RUNNING
                        && t != Type.SWEEP_SUMMARY)
                .map(Enum::name).toArray(String[]::new));
        assertThat(names(p.at("/metrics/properties"))).isEqualTo(components(EventMetrics.class));
        assertThat(names(p.at("/summary/items/properties"))).isEqualTo(components(SweepRow.class));
        assertThat(names(p.at("/sweep/properties"))).isEqualTo(components(Sweep.class));

        ExperimentState state = ExperimentState.of("exp-1")
                .next(Queued.of("exp-1", Subject.NONE))
                .claimedBy("host-1", 1, Instant.parse("2026-11-29T12:00:00Z"))
                .next(Progress.of("exp-1", Subject.NONE, 0, 3, 10, 99.5));
        JsonNode written = JSON.readTree(state.toJson());
        assertThat(names(p)).containsAll(names(written));
        assertThat(ExperimentState.parse(state.toJson())).isEqualTo(state);
    }

    @Test
    void theControlSchemaIsTheCommand() throws IOException {
        JsonNode control = schema(ContractSchema.CONTROL_COMMAND);
        assertThat(names(control.get("properties"))).isEqualTo(components(ControlCommand.class));
        assertThat(control.at("/properties/type/const").asText()).isEqualTo(ControlCommand.CANCEL);
        assertThat(ControlCommand.parse(ControlCommand.cancel("exp-1").toJson())).isEqualTo(ControlCommand.cancel("exp-1"));
        assertThat(JSON.readTree(ControlCommand.cancel("exp-1").toJson()))
                .isEqualTo(JSON.valueToTree(Map.of("type", "cancel", "experimentId", "exp-1")));
    }

    @Test
    void theModelControlSchemaIsTheRecordAndEveryServedNameMatchesIt() throws IOException {
        JsonNode schema = schema(ContractSchema.MODEL_CONTROL);
        assertThat(names(schema.get("properties"))).isEqualTo(components(ModelControl.class));
        ModelControl pin = ModelControl.pin("compare-k3", "7daa286411a7", "rollback from 0123456789ab");
        assertThat(names(JSON.readTree(pin.toJson()))).containsExactly("at", "model", "pinned", "reason");
        ModelControl decided = ModelControl.decided("compare-k3", "7daa286411a7", "5e8d0154c40a",
                ChallengerMode.SHADOW, 0.5, ModelDecision.CHALLENGE, List.of("newer artefact"), ModelControl.POLICY);
        assertThat(names(JSON.readTree(decided.toJson()))).isEqualTo(components(ModelControl.class));
        JsonSchema validator = SchemaChecks.validator(schema);
        assertThat(validator.validate(JSON.readTree(pin.toJson()))).isEmpty();
        assertThat(validator.validate(JSON.readTree(decided.toJson()))).isEmpty();
        assertThat(texts(schema.at("/properties/mode/enum"))).containsExactly(Arrays.stream(ChallengerMode.values())
                .map(ChallengerMode::wire).toArray(String[]::new));
        assertThat(texts(schema.at("/properties/decision/enum"))).containsExactly(Arrays.stream(ModelDecision.values())
                .map(ModelDecision::wire).toArray(String[]::new));
        assertThat(texts(schema.at("/properties/by/enum"))).isEqualTo(ModelControl.DECIDERS);
        assertThat(schema.at("/properties/reasons/maxItems").asInt()).isEqualTo(ModelControl.MAX_REASONS);
        assertThat(schema.at("/properties/reasons/items/maxLength").asInt()).isEqualTo(ModelControl.MAX_REASON_LINE);
        ObjectNode halfChallenger = (ObjectNode) JSON.readTree(decided.toJson());
        halfChallenger.remove("mode");
        assertThat(validator.validate(halfChallenger)).as("a challenger without its mode").isNotEmpty();
        Pattern model = Pattern.compile(schema.at("/properties/model/pattern").asText());
        for (Architecture a : Architecture.values()) {
            for (int k = NetworkSpec.MIN_KERNEL; k <= NetworkSpec.MAX_KERNEL; k++) {
                assertThat(new NetworkSpec(a, k).servingName()).matches(model);
            }
        }
    }
}
