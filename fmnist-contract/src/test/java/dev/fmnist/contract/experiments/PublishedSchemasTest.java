package dev.fmnist.contract.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The JSON Schemas published in docs/schemas say what the contract's code does: fields, names, bounds and defaults. */
class PublishedSchemasTest {

    private static final Path SCHEMAS = Path.of("").toAbsolutePath().getParent().resolve("docs/schemas");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode schema(String name) throws IOException {
        return JSON.readTree(SCHEMAS.resolve(name).toFile());
    }

    private static Set<String> names(JsonNode properties) {
        Set<String> names = new TreeSet<>();
        properties.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Set<String> components(Class<? extends Record> type) {
        Set<String> names = new TreeSet<>();
        Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).forEach(names::add);
        return names;
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    @Test
    void theRequestSchemaHasTheParsersFieldsNamesBoundsAndDefaults() throws IOException {
        JsonNode request = schema("experiment-request.schema.json");
        JsonNode p = request.get("properties");
        assertThat(names(p)).isEqualTo(new TreeSet<>(RequestParser.FIELDS));
        assertThat(request.get("additionalProperties").asBoolean()).isFalse();
        assertThat(p.at("/experimentId/pattern").asText()).isEqualTo("^" + RequestParser.EXPERIMENT_ID.pattern() + "$");
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
        assertThat(texts(p.at("/lrSchedule/enum"))).containsExactly(Arrays.stream(LearningRateSchedule.values())
                .map(LearningRateSchedule::id).toArray(String[]::new));
    }

    @Test
    void theEventSchemaHasTheEventsFieldsTypesMetricsAndRows() throws IOException {
        JsonNode p = schema("experiment-event.schema.json").get("properties");
        assertThat(names(p)).isEqualTo(components(ExperimentEvent.class));
        assertThat(texts(p.at("/type/enum"))).containsExactly(Arrays.stream(ExperimentEvent.Type.values())
                .map(Enum::name).toArray(String[]::new));
        assertThat(names(p.at("/metrics/properties"))).isEqualTo(components(EventMetrics.class));
        assertThat(names(p.at("/summary/items/properties"))).isEqualTo(components(SweepRow.class));
        assertThat(names(p.at("/sweep/properties"))).isEqualTo(components(Sweep.class));
    }

    @Test
    void anEventAsWrittenUsesOnlyTheSchemasFieldsAndReadsBackEqual() throws IOException {
        JsonNode p = schema("experiment-event.schema.json").get("properties");
        ExperimentEvent epoch = ExperimentEvent.builder(ExperimentEvent.Type.EPOCH, "exp-1")
                .epoch(0, EventMetrics.of(new EpochMetrics(0, 1.5, 0.5, 0.8, 0.79, 0.2, 4000, 0))).build();
        JsonNode written = JSON.readTree(epoch.toJson());
        assertThat(names(p)).containsAll(names(written));
        assertThat(names(written.get("metrics"))).containsExactly("epochSeconds", "imagesPerSecond", "loss",
                "testAccuracy", "trainAccuracy");
        assertThat(ExperimentEvent.parse(epoch.toJson())).isEqualTo(epoch);

        ExperimentEvent progress = ExperimentEvent.builder(ExperimentEvent.Type.PROGRESS, "exp-1")
                .progress(0, 3, 10, 1234.5).build();
        assertThat(JSON.readTree(progress.toJson()).get("metrics").toString()).isEqualTo("{\"imagesPerSecond\":1234.5}");

        SweepRow row = new SweepRow(3, "exp-1/k=3", ExperimentEvent.Type.FAILED, null, null, null, 1, "diverged");
        ExperimentEvent summary = ExperimentEvent.builder(ExperimentEvent.Type.SWEEP_SUMMARY, "exp-1")
                .summary(List.of(row), "exp-1/sweep.png").build();
        assertThat(JSON.readTree(summary.toJson()).get("summary").get(0).toString())
                .isEqualTo("{\"value\":3.0,\"experimentId\":\"exp-1/k=3\",\"status\":\"FAILED\",\"epochsDone\":1,"
                        + "\"reason\":\"diverged\"}");
    }

    @Test
    void theStateSchemaHasTheStatesFieldsAndAStateAsWrittenReadsBackEqual() throws IOException {
        JsonNode p = schema("experiment-state.schema.json").get("properties");
        assertThat(names(p)).isEqualTo(components(ExperimentState.class));
        assertThat(texts(p.at("/status/enum"))).containsExactly(Arrays.stream(ExperimentEvent.Type.values())
                .filter(t -> t != ExperimentEvent.Type.PROGRESS && t != ExperimentEvent.Type.EPOCH
                        && t != ExperimentEvent.Type.SWEEP_SUMMARY)
                .map(Enum::name).toArray(String[]::new));
        assertThat(names(p.at("/metrics/properties"))).isEqualTo(components(EventMetrics.class));
        assertThat(names(p.at("/summary/items/properties"))).isEqualTo(components(SweepRow.class));
        assertThat(names(p.at("/sweep/properties"))).isEqualTo(components(Sweep.class));

        ExperimentState state = ExperimentState.of("exp-1")
                .next(ExperimentEvent.builder(ExperimentEvent.Type.QUEUED, "exp-1").build())
                .claimedBy("host-1", 1, Instant.parse("2026-11-29T12:00:00Z"))
                .next(ExperimentEvent.builder(ExperimentEvent.Type.PROGRESS, "exp-1").progress(0, 3, 10, 99.5).build());
        JsonNode written = JSON.readTree(state.toJson());
        assertThat(names(p)).containsAll(names(written));
        assertThat(ExperimentState.parse(state.toJson())).isEqualTo(state);
    }

    @Test
    void theControlSchemaIsTheCommand() throws IOException {
        JsonNode control = schema("control-command.schema.json");
        assertThat(names(control.get("properties"))).isEqualTo(components(ControlCommand.class));
        assertThat(control.at("/properties/type/const").asText()).isEqualTo(ControlCommand.CANCEL);
        assertThat(ControlCommand.parse(ControlCommand.cancel("exp-1").toJson())).isEqualTo(ControlCommand.cancel("exp-1"));
        assertThat(JSON.readTree(ControlCommand.cancel("exp-1").toJson()))
                .isEqualTo(JSON.valueToTree(Map.of("type", "cancel", "experimentId", "exp-1")));
    }

    @Test
    void theModelControlSchemaIsTheRecordAndEveryServedNameMatchesIt() throws IOException {
        JsonNode schema = schema("model-control.schema.json");
        assertThat(names(schema.get("properties"))).isEqualTo(components(ModelControl.class));
        ModelControl pin = ModelControl.pin("compare-k3", "7daa286411a7", "rollback from 0123456789ab");
        assertThat(names(JSON.readTree(pin.toJson()))).isEqualTo(components(ModelControl.class));
        Pattern model = Pattern.compile(schema.at("/properties/model/pattern").asText());
        for (Architecture a : Architecture.values()) {
            for (int k = NetworkSpec.MIN_KERNEL; k <= NetworkSpec.MAX_KERNEL; k++) {
                assertThat(new NetworkSpec(a, k).servingName()).matches(model);
            }
        }
    }
}
