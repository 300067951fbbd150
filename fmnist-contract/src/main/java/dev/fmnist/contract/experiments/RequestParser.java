package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Reads an experiment request from JSON and checks every rule, naming the field and the rule on the
 * first one broken. The one place these rules live: the trainer and the command-line client share it.
 */
public final class RequestParser {

    /** Requests are a few hundred bytes; anything this large is a mistake or an attack. */
    public static final int MAX_REQUEST_BYTES = 64 * 1024;
    public static final int MAX_TAGS = 32;
    public static final int MAX_TAG_LENGTH = 256;
    public static final Pattern EXPERIMENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:=-]{0,127}");
    public static final Set<String> FIELDS = Set.of("experimentId", "architecture", "k", "epochs", "batchSize",
            "learningRate", "optimizer", "momentum", "shuffle", "seed", "trainLimit", "validationSplit", "keepBest",
            "earlyStopping", "weightDecay", "lrSchedule", "labelSmoothing", "dropout", "augmentation", "trainAccuracy", "sweep", "tags");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Supplier<String> idGenerator;

    public RequestParser() {
        this(() -> UUID.randomUUID().toString());
    }

    public RequestParser(Supplier<String> idGenerator) {
        this.idGenerator = idGenerator;
    }

    /** Parses and validates; throws {@link RequestRejectedException} naming the field and the rule. */
    public ExperimentRequest parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw new RequestRejectedException("$", "the request is empty");
        }
        if (body.length > MAX_REQUEST_BYTES) {
            throw new RequestRejectedException("$", "the request is " + body.length + " bytes, at most "
                    + MAX_REQUEST_BYTES + " are accepted");
        }
        JsonNode root;
        try {
            root = JSON.readTree(new String(body, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new RequestRejectedException("$", "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new RequestRejectedException("$", "must be a JSON object");
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new RequestRejectedException(name, "is not a known field; known fields: " + FIELDS.stream().sorted().toList());
            }
        }
        String experimentId = root.has("experimentId") ? text(root, "experimentId") : idGenerator.get();
        if (!EXPERIMENT_ID.matcher(experimentId).matches()) {
            throw new RequestRejectedException("experimentId", "must be 1-128 characters of letters, digits and ._:=- "
                    + "starting with a letter or digit, got \"" + experimentId + "\"");
        }
        try {
            Architecture architecture = root.has("architecture")
                    ? architecture(text(root, "architecture")) : Architecture.BETTER;
            if (root.has("k") && !architecture.takesKernelSize()) {
                throw new RequestRejectedException("k", "does not apply to " + architecture.id()
                        + "; only compare takes k");
            }
            NetworkSpec network = new NetworkSpec(architecture, root.has("k") ? integer(root, "k") : null);
            HyperParameters.Builder hp = HyperParameters.builder();
            if (root.has("epochs")) {
                hp.optEpochs(integer(root, "epochs"));
            }
            if (root.has("batchSize")) {
                hp.optBatchSize(integer(root, "batchSize"));
            }
            if (root.has("learningRate")) {
                hp.optLearningRate(number(root, "learningRate"));
            }
            if (root.has("optimizer")) {
                hp.optOptimizer(OptimizerKind.fromId(text(root, "optimizer")));
            }
            if (root.has("momentum")) {
                hp.optMomentum(number(root, "momentum"));
            }
            if (root.has("shuffle")) {
                hp.optShuffle(bool(root, "shuffle"));
            }
            if (root.has("seed")) {
                hp.optSeed(longInteger(root, "seed"));
            }
            if (root.has("trainLimit")) {
                hp.optTrainLimit(integer(root, "trainLimit"));
            }
            if (root.has("validationSplit")) {
                hp.optValidationSplit(integer(root, "validationSplit"));
            }
            if (root.has("keepBest")) {
                hp.optKeepBest(KeepBest.fromId(text(root, "keepBest")));
            }
            if (root.has("earlyStopping")) {
                hp.optEarlyStopping(earlyStopping(root.get("earlyStopping")));
            }
            if (root.has("weightDecay")) {
                hp.optWeightDecay(number(root, "weightDecay"));
            }
            if (root.has("lrSchedule")) {
                hp.optLrSchedule(LearningRateSchedule.fromId(text(root, "lrSchedule")));
            }
            if (root.has("labelSmoothing")) {
                hp.optLabelSmoothing(number(root, "labelSmoothing"));
            }
            if (root.has("dropout")) {
                hp.optDropout(number(root, "dropout"));
            }
            if (root.has("trainAccuracy")) {
                hp.optTrainAccuracy(TrainAccuracyMode.fromId(text(root, "trainAccuracy")));
            }
            if (root.has("augmentation")) {
                hp.optAugmentation(augmentation(root.get("augmentation")));
            }
            Sweep sweep = root.has("sweep") ? sweep(root.get("sweep")) : null;
            HyperParameters recipe = hp.build();
            if (sweep != null && !architecture.takesKernelSize()
                    && ("k".equals(sweep.parameter()) || sweep.isRandom() && sweep.space().containsKey("k"))) {
                throw new RequestRejectedException(sweep.isRandom() ? "sweep.space.k" : "sweep.parameter",
                        "k does not apply to " + architecture.id() + "; only compare takes k");
            }
            if (sweep != null && sweep.isRandom() && recipe.validationSplit() == 0) {
                throw new RequestRejectedException("validationSplit", "a random search ranks its trials by validation "
                        + "accuracy, so it needs a validationSplit (the test set never chooses)");
            }
            ExperimentRequest request = new ExperimentRequest(experimentId, network, recipe, sweep,
                    tags(root.get("tags")));
            request.children(); // every child must be valid too
            return request;
        } catch (RequestRejectedException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw RequestRejectedException.from(e, "$");
        }
    }

    /**
     * {@code body} with its {@code experimentId} set to {@code id}: a sweep's children are queued with
     * their parent's body, which must name the parent's id even when the client let it be generated.
     */
    public static byte[] withId(byte[] body, String id) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(body);
            root.put("experimentId", id);
            return JSON.writeValueAsBytes(root);
        } catch (IOException | ClassCastException e) {
            throw new RequestRejectedException("$", "cannot set the experiment id: " + e.getMessage());
        }
    }

    /**
     * The experiment id a body names, when it can be read even though the body is not a valid request:
     * a rejection then goes under the id its sender follows.
     */
    public static Optional<String> readableId(byte[] body) {
        if (body == null || body.length == 0 || body.length > MAX_REQUEST_BYTES) {
            return Optional.empty();
        }
        try {
            JsonNode id = JSON.readTree(new String(body, StandardCharsets.UTF_8)).path("experimentId");
            return id.isTextual() && EXPERIMENT_ID.matcher(id.asText()).matches()
                    ? Optional.of(id.asText()) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private static Architecture architecture(String name) {
        try {
            return Architecture.fromId(name);
        } catch (IllegalArgumentException e) {
            throw new RequestRejectedException("architecture", e.getMessage());
        }
    }

    private static Sweep sweep(JsonNode node) {
        if (!node.isObject()) {
            throw new RequestRejectedException("sweep", "must be an object like {\"parameter\":\"k\",\"values\":[3,4]} "
                    + "or {\"type\":\"random\",\"trials\":8,\"space\":{\"learningRate\":{\"logUniform\":[0.0001,0.01]}}}");
        }
        String type = node.has("type") ? text(node, "type", "sweep.type") : Sweep.GRID;
        if (!Sweep.TYPES.contains(type)) {
            throw new RequestRejectedException("sweep.type", "must be one of " + Sweep.TYPES + ", got \"" + type + "\"");
        }
        boolean random = type.equals(Sweep.RANDOM);
        List<String> known = random ? List.of("type", "trials", "seed", "space", "medianStopping", "parallelTrials")
                : List.of("type", "parameter", "values", "parallelTrials");
        requireKnownFields(node, "sweep.", known, "of a " + type + " sweep");
        Integer parallelTrials = node.has("parallelTrials") ? integer(node, "parallelTrials", "sweep.parallelTrials") : null;
        try {
            if (random) {
                if (!node.has("trials")) {
                    throw new RequestRejectedException("sweep.trials", "is required for a random search");
                }
                int trials = integer(node, "trials", "sweep.trials");
                long seed = node.has("seed") ? longInteger(node, "seed", "sweep.seed") : 0L;
                MedianStopping stopping = node.has("medianStopping") ? medianStopping(node.get("medianStopping")) : null;
                return Sweep.random(trials, seed, space(node.get("space")), stopping, parallelTrials);
            }
            String parameter = node.has("parameter") ? text(node, "parameter", "sweep.parameter") : null;
            JsonNode values = node.get("values");
            if (values != null && values.isArray() && values.size() <= Sweep.MAX_VALUES) {
                for (int i = 0; i < values.size(); i++) {
                    if (!values.get(i).isNumber()) {
                        throw wrongType("sweep.values[" + i + "]", "a number", values.get(i));
                    }
                }
            }
            List<Double> numbers = values == null || !values.isArray() ? null : numbers(values);
            return Sweep.grid(parameter, numbers);
        } catch (RequestRejectedException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw RequestRejectedException.from(e, "sweep");
        }
    }

    private static Map<String, SearchDistribution> space(JsonNode node) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new RequestRejectedException("sweep.space", "must be an object naming at least one of " + Sweep.SEARCHABLE
                    + ", e.g. {\"learningRate\":{\"logUniform\":[0.0001,0.01]}}");
        }
        Map<String, SearchDistribution> space = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> option : node.properties()) {
            String field = "sweep.space." + option.getKey();
            if (!Sweep.SEARCHABLE.contains(option.getKey())) {
                throw new RequestRejectedException(field, "is not searchable; searchable: " + Sweep.SEARCHABLE);
            }
            JsonNode form = option.getValue();
            if (!form.isObject() || form.size() != 1) {
                throw new RequestRejectedException(field, "must be one of {\"uniform\":[low,high]}, "
                        + "{\"logUniform\":[low,high]} or {\"choice\":[v1,v2,...]}");
            }
            Map.Entry<String, JsonNode> only = form.properties().iterator().next();
            if (!SearchDistribution.KINDS.contains(only.getKey())) {
                throw new RequestRejectedException(field + "." + only.getKey(), "is not a distribution; known: "
                        + String.join(", ", SearchDistribution.KINDS));
            }
            JsonNode values = only.getValue();
            if (!values.isArray() || values.size() > SearchDistribution.MAX_CHOICES) {
                throw new RequestRejectedException(field + "." + only.getKey(), "must be an array of at most "
                        + SearchDistribution.MAX_CHOICES + " numbers");
            }
            for (int i = 0; i < values.size(); i++) {
                if (!values.get(i).isNumber()) {
                    throw wrongType(field + "." + only.getKey() + "[" + i + "]", "a number", values.get(i));
                }
            }
            try {
                space.put(option.getKey(), new SearchDistribution(only.getKey(), numbers(values)));
            } catch (IllegalArgumentException e) {
                throw new RequestRejectedException(field, e.getMessage());
            }
        }
        return space;
    }

    private static List<Double> numbers(JsonNode array) {
        List<Double> numbers = new ArrayList<>();
        array.forEach(value -> numbers.add(value.isNumber() ? value.asDouble() : Double.NaN));
        return numbers;
    }

    private static MedianStopping medianStopping(JsonNode node) {
        if (!node.isObject()) {
            throw new RequestRejectedException("sweep.medianStopping", "must be an object like {\"minTrials\":3,\"gracePeriod\":1}");
        }
        requireKnownFields(node, "sweep.medianStopping.", List.of("gracePeriod", "minTrials"), "");
        int minTrials = node.has("minTrials") ? integer(node, "minTrials", "sweep.medianStopping.minTrials")
                : MedianStopping.DEFAULT_MIN_TRIALS;
        int gracePeriod = node.has("gracePeriod") ? integer(node, "gracePeriod", "sweep.medianStopping.gracePeriod")
                : MedianStopping.DEFAULT_GRACE_PERIOD;
        return new MedianStopping(minTrials, gracePeriod);
    }

    private static EarlyStopping earlyStopping(JsonNode node) {
        if (!node.isObject()) {
            throw new RequestRejectedException("earlyStopping", "must be an object like {\"patience\":3,\"minDelta\":0.001}");
        }
        requireKnownFields(node, "earlyStopping.", List.of("minDelta", "patience"), "");
        if (!node.has("patience")) {
            throw new RequestRejectedException("earlyStopping.patience", "is required");
        }
        JsonNode patience = node.get("patience");
        if (!patience.isIntegralNumber() || !patience.canConvertToInt()) {
            throw wrongType("earlyStopping.patience", "a whole number", patience);
        }
        double minDelta = 0;
        if (node.has("minDelta")) {
            if (!node.get("minDelta").isNumber()) {
                throw wrongType("earlyStopping.minDelta", "a number", node.get("minDelta"));
            }
            minDelta = node.get("minDelta").asDouble();
        }
        return new EarlyStopping(patience.asInt(), minDelta);
    }

    private static Augmentation augmentation(JsonNode node) {
        if (!node.isObject()) {
            throw new RequestRejectedException("augmentation", "must be an object like {\"cropPadding\":2,\"horizontalFlip\":true}");
        }
        requireKnownFields(node, "augmentation.", List.of("cropPadding", "horizontalFlip"), "");
        int cropPadding = node.has("cropPadding") ? integer(node, "cropPadding", "augmentation.cropPadding") : 0;
        boolean flip = node.has("horizontalFlip") && bool(node, "horizontalFlip", "augmentation.horizontalFlip");
        return new Augmentation(cropPadding, flip);
    }

    /** Refuses the first field of {@code node} not in {@code known}, named by its path ({@code prefix} + name). */
    private static void requireKnownFields(JsonNode node, String prefix, List<String> known, String where) {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new RequestRejectedException(prefix + name, "is not a known field" + (where.isEmpty() ? "" : " " + where)
                        + "; known: " + String.join(", ", known));
            }
        }
    }

    private static Map<String, String> tags(JsonNode node) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return tags;
        }
        if (!node.isObject() || node.size() > MAX_TAGS) {
            throw new RequestRejectedException("tags", "must be an object of at most " + MAX_TAGS + " string values");
        }
        for (Map.Entry<String, JsonNode> tag : node.properties()) {
            if (!tag.getValue().isTextual() || tag.getValue().asText().length() > MAX_TAG_LENGTH
                    || tag.getKey().length() > MAX_TAG_LENGTH) {
                throw new RequestRejectedException("tags." + tag.getKey(), "must be a string of at most "
                        + MAX_TAG_LENGTH + " characters");
            }
            tags.put(tag.getKey(), tag.getValue().asText());
        }
        return tags;
    }

    private static String text(JsonNode root, String field) {
        return text(root, field, field);
    }

    private static String text(JsonNode root, String field, String path) {
        JsonNode node = root.get(field);
        if (!node.isTextual()) {
            throw wrongType(path, "a string", node);
        }
        return node.asText();
    }

    private static int integer(JsonNode root, String field) {
        return integer(root, field, field);
    }

    private static int integer(JsonNode root, String field, String path) {
        JsonNode node = root.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw wrongType(path, "a whole number", node);
        }
        return node.asInt();
    }

    private static long longInteger(JsonNode root, String field) {
        return longInteger(root, field, field);
    }

    private static long longInteger(JsonNode root, String field, String path) {
        JsonNode node = root.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw wrongType(path, "a whole number", node);
        }
        return node.asLong();
    }

    private static double number(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (!node.isNumber()) {
            throw wrongType(field, "a number", node);
        }
        return node.asDouble();
    }

    private static boolean bool(JsonNode root, String field) {
        return bool(root, field, field);
    }

    private static boolean bool(JsonNode root, String field, String path) {
        JsonNode node = root.get(field);
        if (node.getNodeType() != JsonNodeType.BOOLEAN) {
            throw wrongType(path, "true or false", node);
        }
        return node.asBoolean();
    }

    private static RequestRejectedException wrongType(String field, String expected, JsonNode found) {
        String shown = found.toString();
        return new RequestRejectedException(field, "must be " + expected + ", got "
                + (shown.length() > 40 ? shown.substring(0, 40) + "..." : shown));
    }
}
