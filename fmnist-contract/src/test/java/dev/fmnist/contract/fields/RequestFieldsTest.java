package dev.fmnist.contract.fields;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestRejectedException;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every field a refusal names is spelled by {@link RequestFields}: each value of a full request (leaf, object or array) (a single run,
 * a grid, a random search) gets every kind of bad value in turn, and each segment of the field the refusal
 * names must be one of RequestFields' names. A refusal that spells its field as a literal of its own, and
 * spells it differently, fails here.
 */
class RequestFieldsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Wrong types, out of every range, not whole, empty. */
    private static final List<JsonNode> BAD_VALUES = List.of(NODES.numberNode(-1), NODES.numberNode(0),
            NODES.numberNode(0.5), NODES.numberNode(1e12), NODES.textNode("bogus"), NODES.booleanNode(true),
            NODES.nullNode(), NODES.objectNode(), NODES.arrayNode());

    private static final String SINGLE = """
            {"experimentId": "full-1", "architecture": "compare", "k": 4, "epochs": 3, "batchSize": 100,
             "learningRate": 0.01, "optimizer": "sgd", "momentum": 0.8, "shuffle": false, "seed": 9,
             "trainLimit": 6000, "validationSplit": 1000, "keepBest": "val",
             "earlyStopping": {"patience": 2, "minDelta": 0.001}, "weightDecay": 0.01, "lrSchedule": "onecycle",
             "labelSmoothing": 0.1, "dropout": 0.2, "augmentation": {"cropPadding": 2, "horizontalFlip": true,
             "photo": true, "testTimeFlip": true}, "trainAccuracy": "none", "tags": {"owner": "ana"}}""";
    private static final String GRID = """
            {"experimentId": "grid-1", "architecture": "compare", "validationSplit": 1000, "trainLimit": 6000,
             "sweep": {"type": "grid", "parameter": "batchSize", "values": [100, 200], "parallelTrials": 2}}""";
    private static final String RANDOM = """
            {"experimentId": "random-1", "architecture": "compare", "validationSplit": 1000, "trainLimit": 6000,
             "sweep": {"type": "random", "trials": 4, "seed": 3, "parallelTrials": 2,
                       "medianStopping": {"minTrials": 2, "gracePeriod": 1},
                       "space": {"learningRate": {"logUniform": [0.0001, 0.01]}, "dropout": {"uniform": [0, 0.5]},
                                 "k": {"choice": [3, 5]}}}}""";

    private final RequestParser parser = new RequestParser(() -> "generated");

    @Test
    void everyFieldARefusalNamesIsOneOfRequestFieldsNames() throws IOException {
        Set<String> names = declaredNames();
        Set<String> named = new TreeSet<>();
        List<String> outsiders = new ArrayList<>();
        for (String request : List.of(SINGLE, GRID, RANDOM)) {
            JsonNode full = JSON.readTree(request);
            assertThat(parser.parse(JSON.writeValueAsBytes(full))).as("the unbroken request").isNotNull();
            for (Breakage breakage : breakages(full)) {
                try {
                    parser.parse(JSON.writeValueAsBytes(breakage.request()));
                } catch (RequestRejectedException e) {
                    named.add(e.field());
                    if (!namesOnlyRequestFields(e.field(), names)) {
                        outsiders.add(breakage.what() + " -> " + e.getMessage());
                    }
                } catch (RuntimeException e) {
                    fail(breakage.what() + " was refused without naming a field: " + e);
                }
            }
        }
        assertThat(outsiders).as("refusals naming a field RequestFields does not spell").isEmpty();
        // the records' own rules were reached, not only the parser's type checks
        assertThat(named).contains(RequestFields.EPOCHS, RequestFields.K, RequestFields.ARCHITECTURE,
                RequestFields.path(RequestFields.EARLY_STOPPING, RequestFields.PATIENCE),
                RequestFields.path(RequestFields.EARLY_STOPPING, RequestFields.MIN_DELTA),
                RequestFields.path(RequestFields.AUGMENTATION, RequestFields.CROP_PADDING),
                RequestFields.path(RequestFields.SWEEP, RequestFields.TRIALS),
                RequestFields.path(RequestFields.SWEEP, RequestFields.PARALLEL_TRIALS),
                RequestFields.path(RequestFields.SWEEP, RequestFields.MEDIAN_STOPPING, RequestFields.MIN_TRIALS),
                RequestFields.path(RequestFields.SWEEP, RequestFields.MEDIAN_STOPPING, RequestFields.GRACE_PERIOD),
                RequestFields.element(RequestFields.path(RequestFields.SWEEP, RequestFields.VALUES), 0),
                RequestFields.path(RequestFields.SWEEP, RequestFields.SPACE, RequestFields.LEARNING_RATE));
    }

    @Test
    void theTestTellsAForeignSpellingFromRequestFieldsOwn() {
        Set<String> names = declaredNames();

        assertThat(namesOnlyRequestFields("sweep.medianStopping.minTrials", names)).isTrue();
        assertThat(namesOnlyRequestFields("sweep.values[3]", names)).isTrue();
        assertThat(namesOnlyRequestFields("tags.any-key-at-all", names)).isTrue();
        assertThat(namesOnlyRequestFields("sweep.trail", names)).isFalse();
        assertThat(namesOnlyRequestFields("early_stopping.patience", names)).isFalse();
        assertThat(namesOnlyRequestFields("initialization", names)).as("not a request field").isFalse();
    }

    @Test
    void pathAndElementSpellNestedNamesAsRefusalsDo() {
        assertThat(RequestFields.path(RequestFields.SWEEP, RequestFields.TRIALS)).isEqualTo("sweep.trials");
        assertThat(RequestFields.path(RequestFields.SWEEP, RequestFields.MEDIAN_STOPPING, RequestFields.GRACE_PERIOD))
                .isEqualTo("sweep.medianStopping.gracePeriod");
        assertThat(RequestFields.element(RequestFields.path(RequestFields.SWEEP, RequestFields.VALUES), 2))
                .isEqualTo("sweep.values[2]");
    }

    /** The values of RequestFields' public String constants. */
    private static Set<String> declaredNames() {
        Set<String> names = Arrays.stream(RequestFields.class.getFields())
                .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
                .map(RequestFieldsTest::value).collect(Collectors.toCollection(TreeSet::new));
        assertThat(names).contains("experimentId", "earlyStopping", "minTrials", "logUniform");
        return names;
    }

    private static String value(Field constant) {
        try {
            return (String) constant.get(null);
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    /** {@code $} (the whole body), or dotted segments (indices dropped) all of RequestFields; a tag's key is the client's. */
    private static boolean namesOnlyRequestFields(String field, Set<String> names) {
        if (field.equals("$")) {
            return true;
        }
        String[] segments = field.replaceAll("\\[\\d+]", "").split("\\.", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i == 1 && segments[0].equals(RequestFields.TAGS)) {
                return true;
            }
            if (!names.contains(segments[i])) {
                return false;
            }
        }
        return true;
    }

    private record Breakage(String what, JsonNode request) {}

    /** One copy of {@code full} per value in it and bad value, that value replaced by the bad one. */
    private static List<Breakage> breakages(JsonNode full) {
        List<Breakage> breakages = new ArrayList<>();
        values(full, "", path -> {
            for (JsonNode bad : BAD_VALUES) {
                JsonNode copy = full.deepCopy();
                replace(copy, path, bad);
                breakages.add(new Breakage(path + " = " + bad, copy));
            }
        });
        return breakages;
    }

    /** The JSON-pointer paths of every value under the root, objects and arrays included. */
    private static void values(JsonNode node, String path, Consumer<String> sink) {
        if (!path.isEmpty()) {
            sink.accept(path);
        }
        if (node.isObject()) {
            node.properties().forEach(entry -> values(entry.getValue(), path + "/" + entry.getKey(), sink));
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                values(node.get(i), path + "/" + i, sink);
            }
        }
    }

    private static void replace(JsonNode root, String pointer, JsonNode value) {
        int last = pointer.lastIndexOf('/');
        ContainerNode<?> parent = (ContainerNode<?>) root.at(pointer.substring(0, last));
        String key = pointer.substring(last + 1);
        if (parent instanceof ObjectNode object) {
            object.set(key, value);
        } else {
            ((ArrayNode) parent).set(Integer.parseInt(key), value);
        }
    }
}
