package dev.fmnist.cli.docs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fmnist.contract.experiments.ControlCommand;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestRejectedException;
import dev.fmnist.contract.experiments.Sweep;
import dev.fmnist.contract.fields.RequestFields;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ModelControl;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The documented messages, read by the contract's own readers, the ones the services use: every
 * {@code json} block is a request ({@link RequestParser}, as the trainer reads it), a fragment of one
 * (a {@code "sweep": {...}} shown on its own, completed into the smallest request it can stand in),
 * an event ({@link ExperimentEvent#parse}, then written back: the same fields must come out, so an
 * example cannot show a field the contract drops), a control command ({@link ControlCommand#parse})
 * or a model-control record ({@link ModelControl#parse}); anything else is a problem, so no unchecked
 * example slips in. A {@code yaml} block whose keys are a request's is read as {@code fmnist submit -f}
 * reads YAML. Every {@code echo '<json>' | kcat -P ... -t TOPIC} line sends a body its topic's
 * readers accept, to a topic that is the contract's {@link Topic}.
 */
final class ContractExamples {

    /** What an example is, for the counts (passed or not) that keep the test from passing on nothing. */
    enum Kind { REQUEST, REQUEST_FRAGMENT, EVENT, CONTROL_COMMAND, MODEL_CONTROL, KCAT_SEND }

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    private static final Pattern KCAT = Pattern.compile("\\b(?:kcat|kafkacat)\\b");
    private static final Pattern ECHO_TO_KCAT = Pattern.compile("echo\\s+'([^']*)'\\s*\\|\\s*(?:kcat|kafkacat)\\b(.*)");
    /** A minimal valid split: a random search needs one to rank its trials. */
    private static final int FRAGMENT_VALIDATION_SPLIT = 5000;

    private final List<String> problems = new ArrayList<>();
    private final Map<Kind, Integer> counts = new EnumMap<>(Kind.class);

    List<String> problems() {
        return problems;
    }

    int count(Kind kind) {
        return counts.getOrDefault(kind, 0);
    }

    Map<Kind, Integer> counts() {
        return counts;
    }

    void check(MarkdownPage page) {
        for (MarkdownPage.Block block : page.blocks()) {
            if (block.notChecked()) {
                continue;
            }
            switch (block.language()) {
                case "json", "jsonc", "json5" -> checkJsonBlock(page.name(), block);
                case "yaml", "yml" -> checkYamlBlock(page.name(), block);
                default -> { }
            }
            checkKcatLines(page.name(), block);
        }
    }

    private void checkJsonBlock(String file, MarkdownPage.Block block) {
        String text = String.join("\n", block.lines());
        int line = block.lineOf(0);
        if (text.isBlank()) {
            problems.add(file + ":" + block.line() + ": an empty json block");
            return;
        }
        Optional<JsonNode> whole = tryRead(text);
        if (whole.isPresent()) {
            if (whole.get().isObject()) {
                checkObject(file + ":" + line, (ObjectNode) whole.get());
            } else {
                problems.add(file + ":" + line + ": a JSON " + whole.get().getNodeType().toString().toLowerCase(Locale.ROOT)
                        + ", not an object of the contract; " + howToMark());
            }
            return;
        }
        Optional<JsonNode> fragment = tryRead("{" + text + "}");
        if (fragment.isPresent() && fragment.get().isObject()) {
            checkFragment(file + ":" + line, (ObjectNode) fragment.get());
            return;
        }
        if (block.lines().stream().filter(l -> !l.isBlank()).allMatch(l -> tryRead(l).map(JsonNode::isObject).orElse(false))) {
            for (int i = 0; i < block.lines().size(); i++) { // JSON lines: one message a line, as a topic holds them
                if (!block.lines().get(i).isBlank()) {
                    checkObject(file + ":" + block.lineOf(i), (ObjectNode) tryRead(block.lines().get(i)).orElseThrow());
                }
            }
            return;
        }
        problems.add(file + ":" + line + ": not valid JSON (nor a fragment of an object, nor one object a line): "
                + readError(text));
    }

    private void checkYamlBlock(String file, MarkdownPage.Block block) {
        JsonNode node;
        try {
            node = new YAMLMapper().readTree(String.join("\n", block.lines()));
        } catch (JsonProcessingException e) {
            return; // not ours to judge: only requests (a mapping with experimentId or architecture) are checked
        }
        if (node != null && node.isObject() && (node.has(RequestFields.EXPERIMENT_ID) || node.has(RequestFields.ARCHITECTURE))) {
            checkRequest(file + ":" + block.lineOf(0), node.toString().getBytes(StandardCharsets.UTF_8), Kind.REQUEST);
        }
    }

    /** An object: what its fields say it is decides which reader must accept it. */
    void checkObject(String where, ObjectNode node) {
        byte[] bytes = node.toString().getBytes(StandardCharsets.UTF_8);
        if (node.has("type")) {
            String type = node.path("type").asText();
            if (Arrays.stream(ExperimentEvent.Type.values()).anyMatch(t -> t.name().equals(type))) {
                checkEvent(where, node);
            } else {
                counted(Kind.CONTROL_COMMAND);
                try {
                    ControlCommand.parse(bytes);
                } catch (IllegalArgumentException e) {
                    problems.add(where + ": type \"" + type + "\" is no event kind " + Arrays.toString(ExperimentEvent.Type.values())
                            + ", and as a control command: " + e.getMessage());
                }
            }
        } else if (node.has("model")) {
            counted(Kind.MODEL_CONTROL);
            try {
                ModelControl.parse(node.path("model").asText(), bytes);
            } catch (IllegalArgumentException e) {
                problems.add(where + ": model-control record refused: " + e.getMessage());
            }
        } else if (hasAny(node, RequestParser.FIELDS)) {
            checkRequest(where, bytes, Kind.REQUEST);
        } else {
            problems.add(where + ": JSON of no contract type (a request, an event, a control command, a model-control "
                    + "record); " + howToMark());
        }
    }

    /**
     * A few fields of a request shown on their own ({@code "sweep": {...}}): read as the smallest request
     * that can hold them, adding only what they cannot do without (a random search's validation split,
     * CompareNet for a sweep over {@code k}).
     */
    private void checkFragment(String where, ObjectNode fragment) {
        Set<String> keys = new TreeSet<>();
        fragment.fieldNames().forEachRemaining(keys::add);
        if (!RequestParser.FIELDS.containsAll(keys)) {
            keys.removeAll(RequestParser.FIELDS);
            problems.add(where + ": a JSON fragment with fields no request has " + keys + "; " + howToMark());
            return;
        }
        ObjectNode request = fragment.deepCopy();
        JsonNode sweep = fragment.path(RequestFields.SWEEP);
        if (Sweep.RANDOM.equals(sweep.path(RequestFields.TYPE).asText()) && !request.has(RequestFields.VALIDATION_SPLIT)) {
            request.put(RequestFields.VALIDATION_SPLIT, FRAGMENT_VALIDATION_SPLIT);
        }
        boolean overK = RequestFields.K.equals(sweep.path(RequestFields.PARAMETER).asText())
                || sweep.path(RequestFields.SPACE).has(RequestFields.K);
        if (overK && !request.has(RequestFields.ARCHITECTURE)) {
            request.put(RequestFields.ARCHITECTURE, "compare");
        }
        checkRequest(where, request.toString().getBytes(StandardCharsets.UTF_8), Kind.REQUEST_FRAGMENT);
    }

    private void checkRequest(String where, byte[] body, Kind kind) {
        counted(kind);
        try {
            new RequestParser(() -> "docs-example").parse(body);
        } catch (RequestRejectedException e) {
            problems.add(where + ": request refused by the trainer's parser: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            problems.add(where + ": request refused: " + e.getMessage());
        }
    }

    private void checkEvent(String where, ObjectNode shown) {
        counted(Kind.EVENT);
        ExperimentEvent event;
        try {
            event = ExperimentEvent.parse(shown.toString().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            problems.add(where + ": event refused by the contract's reader: " + e.getMessage().lines().findFirst().orElse(""));
            return;
        }
        JsonNode written = tryRead(event.toJsonString()).orElseThrow();
        List<String> differences = new ArrayList<>();
        differences(shown, written, "", differences);
        if (!differences.isEmpty()) {
            problems.add(where + ": the " + event.type() + " event shown is not what the contract writes back: "
                    + String.join("; ", differences));
        }
    }

    /** Field by field, numbers by value (1230.0 is 1230), so the message names what a reader would lose or gain. */
    private static void differences(JsonNode shown, JsonNode written, String path, List<String> into) {
        if (shown.isObject() && written.isObject()) {
            Set<String> names = new TreeSet<>();
            shown.fieldNames().forEachRemaining(names::add);
            written.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String field = path.isEmpty() ? name : path + "." + name;
                if (!written.has(name)) {
                    into.add(field + " is shown but the contract has no such field (dropped on reading)");
                } else if (!shown.has(name)) {
                    into.add(field + " is written (" + written.get(name) + ") but not shown");
                } else {
                    differences(shown.get(name), written.get(name), field, into);
                }
            }
        } else if (shown.isNumber() && written.isNumber()) {
            if (shown.decimalValue().compareTo(written.decimalValue()) != 0) {
                into.add(path + " is shown as " + shown + " but reads as " + written);
            }
        } else if (shown.isArray() && written.isArray() && shown.size() == written.size()) {
            for (int i = 0; i < shown.size(); i++) {
                differences(shown.get(i), written.get(i), path + "[" + i + "]", into);
            }
        } else if (!shown.equals(written)) {
            into.add(path + " is shown as " + shown + " but reads as " + written);
        }
    }

    /** {@code echo '<json>' | kcat -P ... -t TOPIC [-k KEY]}, a line continued by {@code \} included. */
    private void checkKcatLines(String file, MarkdownPage.Block block) {
        List<String> lines = block.lines();
        for (int i = 0; i < lines.size(); i++) {
            int first = i;
            StringBuilder command = new StringBuilder(lines.get(i));
            while (command.toString().stripTrailing().endsWith("\\") && i + 1 < lines.size()) {
                String sofar = command.toString().stripTrailing();
                command.setLength(0);
                command.append(sofar, 0, sofar.length() - 1).append(' ').append(lines.get(++i));
            }
            String text = command.toString().strip();
            if (text.startsWith("$ ")) {
                text = text.substring(2);
            }
            if (KCAT.matcher(text).find() && !text.startsWith("#")) {
                checkKcat(file + ":" + block.lineOf(first), text);
            }
        }
    }

    void checkKcat(String where, String text) {
        Matcher kcat = KCAT.matcher(text);
        kcat.find();
        List<String> words = ShellWords.split(text.substring(kcat.end())).words();
        Optional<String> topicName = valueOf(words, "-t");
        Optional<Topic> topic = Optional.empty();
        if (topicName.isPresent() && !topicName.get().contains("$")) {
            topic = Topic.of(Topic.DEFAULT_PREFIX, topicName.get());
            if (topic.isEmpty()) {
                problems.add(where + ": kcat names the topic " + topicName.get() + ", which is not one of the contract's "
                        + Topic.suffixes().stream().map(s -> Topic.DEFAULT_PREFIX + "." + s).toList());
                return;
            }
        }
        if (!words.contains("-P")) {
            return; // reading: the topic's name is all there is to check
        }
        Matcher echo = ECHO_TO_KCAT.matcher(text);
        if (!echo.find() || topic.isEmpty()) {
            problems.add(where + ": a kcat -P whose body or topic cannot be read from the line (write it as "
                    + "echo '<json>' | kcat -P ... -t TOPIC); " + howToMark());
            return;
        }
        byte[] body = echo.group(1).getBytes(StandardCharsets.UTF_8);
        Optional<String> key = valueOf(words, "-k");
        counted(Kind.KCAT_SEND);
        try {
            switch (topic.get()) {
                case EXPERIMENTS -> new RequestParser(() -> "docs-example").parse(body);
                case EXPERIMENT_CONTROL -> ControlCommand.parse(body);
                case MODEL_CONTROL -> ModelControl.parse(key.orElseThrow(() -> new IllegalArgumentException(
                        "-k: the model's name is the record's key on a compacted topic")), body);
                default -> throw new IllegalArgumentException("clients do not write to " + topic.get().defaultName());
            }
        } catch (RequestRejectedException | IllegalArgumentException e) {
            problems.add(where + ": the body sent to " + topic.get().defaultName() + " is refused: " + e.getMessage());
        }
    }

    private static Optional<String> valueOf(List<String> words, String flag) {
        int index = words.indexOf(flag);
        return index >= 0 && index + 1 < words.size() ? Optional.of(words.get(index + 1)) : Optional.empty();
    }

    private void counted(Kind kind) {
        counts.merge(kind, 1, Integer::sum);
    }

    private static boolean hasAny(JsonNode node, Set<String> fields) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            if (fields.contains(names.next())) {
                return true;
            }
        }
        return false;
    }

    private static Optional<JsonNode> tryRead(String text) {
        try {
            return Optional.ofNullable(STRICT.readTree(text)).filter(n -> !n.isMissingNode());
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static String readError(String text) {
        try {
            STRICT.readTree(text);
            return "empty";
        } catch (JsonProcessingException e) {
            return e.getOriginalMessage();
        }
    }

    private static String howToMark() {
        return "check it here with its reader, or mark the block " + MarkdownPage.MARKER_EXAMPLE;
    }
}
