package dev.fmnist.contract.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.contract.experiments.ExperimentEvent.Cancelled;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Rejected;
import dev.fmnist.contract.experiments.ExperimentEvent.Resumed;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.SweepSummary;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every kind of event survives its JSON, matches its shape in the schema, and reads as it was written before it had a type of its own. */
class ExperimentEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String AT = "2026-11-29T12:00:00.123456Z";
    private static final Subject CHILD = new Subject("exp-1", "compare", 3, 2, Map.of("suite", "a"),
            Sweep.grid("k", List.of(3.0, 5.0)));
    private static final EventMetrics EPOCH_FIGURES = new EventMetrics(0.41, 0.85, 0.84, 12.5, 4800.0, 0.83, 0.45);

    /** An event of {@code kind} with every field it has set. */
    static ExperimentEvent sample(Type kind) {
        String id = "exp-1/k=3";
        return switch (kind) {
            case QUEUED -> new Queued(id, AT, CHILD);
            case RUNNING -> new Running(id, AT, CHILD, "cpu()", "host-1-4242");
            case RESUMED -> new Resumed(id, AT, CHILD, 1, 0, "host-2-4343");
            case PROGRESS -> new Progress(id, AT, CHILD, 1, 3, 10, EventMetrics.progress(99.5));
            case EPOCH -> new Epoch(id, AT, CHILD, 1, EPOCH_FIGURES);
            case SUCCEEDED -> new Succeeded(id, AT, CHILD, "7daa286411a7", EPOCH_FIGURES, "early stopping: no gain");
            case FAILED -> new Failed(id, AT, CHILD, "loss is NaN");
            case CANCELLED -> new Cancelled(id, AT, CHILD, "cancelled in epoch 1 before batch 3");
            case REJECTED -> new Rejected("bad", AT, "epochs: must be 1-200", "epochs", "must be 1-200");
            case SWEEP_SUMMARY -> new SweepSummary("exp-1", AT, new Subject(null, "compare", 3, 2, Map.of("suite", "a"),
                    Sweep.grid("k", List.of(3.0, 5.0))), List.of(
                            new SweepRow(3, "exp-1/k=3", Type.SUCCEEDED, 0.84, null, 0.83, 2, null),
                            new SweepRow(5, "exp-1/k=5", Type.FAILED, null, null, null, 1, "loss is NaN")),
                    "exp-1/sweep.png");
        };
    }

    private static Set<String> names(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @ParameterizedTest
    @EnumSource(Type.class)
    void everyKindReadsBackEqualWithTheSchemasFieldsForItsKind(Type kind) throws IOException {
        ExperimentEvent event = sample(kind);
        assertThat(event.type()).isEqualTo(kind);
        assertThat(event).isInstanceOf(kind.eventClass());
        assertThat(event instanceof Terminal).isEqualTo(kind.isTerminal());

        JsonNode written = JSON.readTree(event.toJson());
        assertThat(written.get("type").asText()).isEqualTo(kind.name());
        Set<String> shape = PublishedSchemasTest.schemaFields(kind);
        if (kind == Type.SWEEP_SUMMARY) {
            shape.remove("parentId"); // a sweep has no parent
        }
        assertThat(names(written)).as("a full %s writes every field its shape has, no other", kind).isEqualTo(shape);
        assertThat(PublishedSchemasTest.eventSchema().validate(written)).as(kind.name()).isEmpty();
        assertThat(ExperimentEvent.parse(event.toJson())).isEqualTo(event);
    }

    @Test
    void factoriesStampTheEventNowAndLeaveOutWhatIsNotSet() throws IOException {
        ExperimentEvent queued = Queued.of("exp-2", Subject.NONE);
        assertThat(names(JSON.readTree(queued.toJson()))).containsExactly("at", "experimentId", "type");
        Rejected rejected = Rejected.of("exp-3", "epochs", "must be 1-200");
        assertThat(rejected.reason()).isEqualTo("epochs: must be 1-200");
        assertThat(rejected.subject()).isEqualTo(Subject.NONE);
        assertThat(ExperimentEvent.parse(rejected.toJson())).isEqualTo(rejected);
    }

    /** One line per kind as the single-record writer (every field nullable, one bag) put them on the topic. */
    private static final Map<Type, String> FORMER_LINES = Map.of(
            Type.QUEUED, "{\"type\":\"QUEUED\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"epochs\":2}",
            Type.RUNNING, "{\"type\":\"RUNNING\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"device\":\"cpu()\","
                    + "\"worker\":\"host-1-4242\",\"epochs\":2}",
            // RESUMED came after the one-record writer: its line is as written now
            Type.RESUMED, "{\"type\":\"RESUMED\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"epochs\":2,"
                    + "\"epoch\":1,\"batch\":0,\"worker\":\"host-2-4343\"}",
            // the state's progress, as the CLI made it: with the worker, which PROGRESS no longer carries
            Type.PROGRESS, "{\"type\":\"PROGRESS\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"worker\":\"host-1-4242\","
                    + "\"epoch\":1,\"epochs\":2,\"batch\":3,\"batches\":10,\"metrics\":{\"imagesPerSecond\":99.5}}",
            Type.EPOCH, "{\"type\":\"EPOCH\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"epoch\":1,\"epochs\":2,"
                    + "\"metrics\":{\"loss\":0.41,\"trainAccuracy\":0.85,\"testAccuracy\":0.84,\"epochSeconds\":12.5,"
                    + "\"imagesPerSecond\":4800.0,\"valAccuracy\":0.83,\"valLoss\":0.45}}",
            Type.SUCCEEDED, "{\"type\":\"SUCCEEDED\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"epochs\":2,"
                    + "\"metrics\":{\"loss\":0.41,\"trainAccuracy\":0.85,\"testAccuracy\":0.84,\"epochSeconds\":12.5,"
                    + "\"imagesPerSecond\":4800.0,\"valAccuracy\":0.83,\"valLoss\":0.45},"
                    + "\"artefactVersion\":\"7daa286411a7\",\"reason\":\"early stopping: no gain\"}",
            Type.FAILED, "{\"type\":\"FAILED\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"epochs\":2,"
                    + "\"reason\":\"loss is NaN\"}",
            Type.CANCELLED, "{\"type\":\"CANCELLED\",\"experimentId\":\"exp-1/k=3\",\"parentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},"
                    + "\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\",\"values\":[3.0,5.0]},\"epochs\":2,"
                    + "\"reason\":\"cancelled in epoch 1 before batch 3\"}",
            Type.REJECTED, "{\"type\":\"REJECTED\",\"experimentId\":\"bad\",\"at\":\"" + AT + "\","
                    + "\"reason\":\"epochs: must be 1-200\",\"field\":\"epochs\",\"rule\":\"must be 1-200\"}",
            Type.SWEEP_SUMMARY, "{\"type\":\"SWEEP_SUMMARY\",\"experimentId\":\"exp-1\",\"at\":\"" + AT + "\","
                    + "\"architecture\":\"compare\",\"k\":3,\"tags\":{\"suite\":\"a\"},\"sweep\":{\"type\":\"grid\",\"parameter\":\"k\","
                    + "\"values\":[3.0,5.0]},\"epochs\":2,\"summary\":[{\"value\":3.0,\"experimentId\":\"exp-1/k=3\","
                    + "\"status\":\"SUCCEEDED\",\"testAccuracy\":0.84,\"valAccuracy\":0.83,\"epochsDone\":2},"
                    + "{\"value\":5.0,\"experimentId\":\"exp-1/k=5\",\"status\":\"FAILED\",\"epochsDone\":1,"
                    + "\"reason\":\"loss is NaN\"}],\"reportKey\":\"exp-1/sweep.png\"}");

    @ParameterizedTest
    @EnumSource(Type.class)
    void aLineOfEveryKindAsTheFormerWriterPutItOnTheTopicStillReads(Type kind) throws IOException {
        byte[] line = FORMER_LINES.get(kind).getBytes(StandardCharsets.UTF_8);
        assertThat(ExperimentEvent.parse(line)).isEqualTo(sample(kind));
        assertThat(PublishedSchemasTest.eventSchema().validate(JSON.readTree(line))).as(kind.name()).isEmpty();
        if (kind != Type.PROGRESS) { // the one line that had a field its kind does not carry
            JsonNode rewritten = JSON.readTree(ExperimentEvent.parse(line).toJson());
            assertThat(rewritten).as("written again: the same fields and values").isEqualTo(JSON.readTree(line));
        }
    }

    @Test
    void everyFieldOfAnOlderLineIsKeptInItsRecord() throws IOException {
        // no field of the former lines is dropped on reading, but the state's worker on PROGRESS
        for (Type kind : Type.values()) {
            JsonNode former = JSON.readTree(FORMER_LINES.get(kind));
            Set<String> read = names(JSON.readTree(ExperimentEvent.parse(JSON.writeValueAsBytes(former)).toJson()));
            Set<String> lost = names(former);
            lost.removeAll(read);
            assertThat(lost).as(kind.name()).isEqualTo(kind == Type.PROGRESS ? Set.of("worker") : Set.of());
        }
    }

    @Test
    void aRecordThatIsNoEventIsRefusedSayingWhy() {
        assertRefused("{\"type\":\"PAUSED\",\"experimentId\":\"x\",\"at\":\"" + AT + "\"}", "PAUSED");
        assertRefused("{\"experimentId\":\"x\",\"at\":\"" + AT + "\"}", "type");
        assertRefused("{\"type\":\"QUEUED\",\"at\":\"" + AT + "\"}", "experimentId is required");
        assertRefused("{\"type\":\"QUEUED\",\"experimentId\":\"x\",\"at\":\"yesterday\"}", "at must be an ISO-8601 instant");
        assertRefused("{\"type\":\"EPOCH\",\"experimentId\":\"x\",\"at\":\"" + AT + "\",\"epoch\":\"one\","
                + "\"metrics\":{}}", "epoch");
        assertRefused("{\"type\":\"EPOCH\",\"experimentId\":\"x\",\"at\":\"" + AT + "\",\"epoch\":1}", "metrics is required");
        assertRefused("{\"type\":\"EPOCH\",\"experimentId\":\"x\",\"at\":\"" + AT + "\",\"metrics\":{}}", "epoch");
        assertRefused("{\"type\":\"EPOCH\",\"experimentId\":\"x\",\"at\":\"" + AT + "\",\"epoch\":null,"
                + "\"metrics\":{}}", "epoch");
        assertRefused("{\"type\":\"RUNNING\",\"experimentId\":\"x\",\"at\":\"" + AT + "\",\"device\":\"cpu()\"}",
                "worker is required");
        assertRefused("{\"type\":\"FAILED\",\"experimentId\":\"x\",\"at\":\"" + AT + "\"}", "reason is required");
        assertRefused("{\"type\":\"PROGRESS\",\"experimentId\":\"x\",\"at\":\"" + AT + "\",\"epoch\":0,\"batch\":11,"
                + "\"batches\":10,\"metrics\":{}}", "batch must be 0-10");
        assertRefused("null", "null");
        assertRefused("[1]", "ExperimentEvent");
        assertRefused("{\"type\":\"EPOCH\"", "ExperimentEvent");
    }

    private static void assertRefused(String json, String saying) {
        assertThatThrownBy(() -> ExperimentEvent.parse(json.getBytes(StandardCharsets.UTF_8)))
                .as(json).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid ExperimentEvent").hasMessageContaining(saying);
    }

    @Test
    void unknownFieldsOfANewerWriterAreIgnored() {
        String newer = "{\"type\":\"RUNNING\",\"experimentId\":\"x\",\"at\":\"" + AT + "\",\"device\":\"gpu(0)\","
                + "\"worker\":\"w\",\"gpuMemory\":123}";
        assertThat(ExperimentEvent.parse(newer.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(new Running("x", AT, Subject.NONE, "gpu(0)", "w"));
    }

    @Test
    void aResumedRunIsRunningAgainWithTheEpochsAfterItsCheckpointUndone() {
        ExperimentState state = ExperimentState.of("exp-1/k=3").next(sample(Type.QUEUED)).next(sample(Type.RUNNING));
        for (int epoch = 0; epoch < 3; epoch++) { // epoch 2 ended, but its checkpoint was never written
            state = state.next(new Epoch("exp-1/k=3", AT, CHILD, epoch, EPOCH_FIGURES));
        }
        assertThat(state.valAccuracies()).hasSize(3);
        state = state.next(new Running("exp-1/k=3", AT, CHILD, "cpu()", "host-2-4343"))
                .next(new Resumed("exp-1/k=3", AT, CHILD, 2, 0, "host-2-4343"));
        assertThat(state.status()).isEqualTo(Type.RUNNING);
        assertThat(state.epochsDone()).isEqualTo(2);
        assertThat(state.valAccuracies()).as("epoch 2 is trained again").hasSize(2);
        assertThat(state.device()).isEqualTo("cpu()");
        assertThatThrownBy(() -> new Resumed("x", AT, CHILD, -1, 0, "w")).hasMessageContaining("epoch");
        assertThatThrownBy(() -> new Resumed("x", AT, CHILD, 0, -1, "w")).hasMessageContaining("batch");
        assertThatThrownBy(() -> new Resumed("x", AT, CHILD, 0, 0, null)).hasMessageContaining("worker");
    }

    @Test
    void theKindsAreTheFoldsCases() {
        ExperimentState state = ExperimentState.of("exp-1/k=3");
        for (Type kind : List.of(Type.QUEUED, Type.RUNNING, Type.PROGRESS, Type.EPOCH, Type.SUCCEEDED)) {
            state = state.next(sample(kind));
        }
        assertThat(state.status()).isEqualTo(Type.SUCCEEDED);
        assertThat(state.parentId()).isEqualTo("exp-1");
        assertThat(state.device()).isEqualTo("cpu()");
        assertThat(state.epochsDone()).isEqualTo(2);
        assertThat(state.valAccuracies()).as("epoch 1 without epoch 0: no gap in the curve").isNull();
        assertThat(state.artefactVersion()).isEqualTo("7daa286411a7");
        assertThat(state.reason()).isEqualTo("early stopping: no gain");
        assertThat(state.batch()).as("an end clears the progress").isNull();
    }
}
