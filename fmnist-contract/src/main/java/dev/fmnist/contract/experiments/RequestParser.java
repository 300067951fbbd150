package dev.fmnist.contract.experiments;

import static dev.fmnist.contract.fields.RequestFields.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.fields.RequestFields;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.ExtraData;
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
    public static final Set<String> FIELDS = Set.copyOf(RequestFields.TOP_LEVEL);
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
        ExperimentRequest.Builder request = read(body);
        if (!request.hasExperimentId()) {
            request.optExperimentId(idGenerator.get());
        }
        return request.build();
    }

    /**
     * Reads a request's fields into a builder, refusing a body that is not a JSON object of known fields
     * of the right types (naming the field); the rules between fields are {@link ExperimentRequest.Builder#build()}'s,
     * so a client may still change the builder (flags over a file) before building. No id is generated.
     */
    public static ExperimentRequest.Builder read(byte[] body) {
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
        ExperimentRequest.Builder request = ExperimentRequest.builder();
        if (root.has(RequestFields.EXPERIMENT_ID)) {
            request.optExperimentId(text(root, RequestFields.EXPERIMENT_ID));
        }
        try {
            if (root.has(RECIPE)) { // first: the fields below change what it set
                request.optRecipe(NamedRecipe.fromId(text(root, RECIPE)));
            }
            if (root.has(ARCHITECTURE)) {
                request.optArchitecture(architecture(text(root, ARCHITECTURE)));
            }
            if (root.has(K)) {
                request.optK(integer(root, K));
            }
            HyperParameters.Builder hp = request.recipe();
            if (root.has(EPOCHS)) {
                hp.optEpochs(integer(root, EPOCHS));
            }
            if (root.has(BATCH_SIZE)) {
                hp.optBatchSize(integer(root, BATCH_SIZE));
            }
            if (root.has(LEARNING_RATE)) {
                hp.optLearningRate(number(root, LEARNING_RATE));
            }
            if (root.has(OPTIMIZER)) {
                hp.optOptimizer(OptimizerKind.fromId(text(root, OPTIMIZER)));
            }
            if (root.has(MOMENTUM)) {
                hp.optMomentum(number(root, MOMENTUM));
            }
            if (root.has(SHUFFLE)) {
                hp.optShuffle(bool(root, SHUFFLE));
            }
            if (root.has(SEED)) {
                hp.optSeed(longInteger(root, SEED));
            }
            if (root.has(TRAIN_LIMIT)) {
                hp.optTrainLimit(integer(root, TRAIN_LIMIT));
            }
            if (root.has(VALIDATION_SPLIT)) {
                hp.optValidationSplit(integer(root, VALIDATION_SPLIT));
            }
            if (root.has(KEEP_BEST)) {
                hp.optKeepBest(KeepBest.fromId(text(root, KEEP_BEST)));
            }
            if (root.has(EARLY_STOPPING)) {
                hp.optEarlyStopping(earlyStopping(root.get(EARLY_STOPPING)));
            }
            if (root.has(WEIGHT_DECAY)) {
                hp.optWeightDecay(number(root, WEIGHT_DECAY));
            }
            if (root.has(LR_SCHEDULE)) {
                hp.optLrSchedule(LearningRateSchedule.fromId(text(root, LR_SCHEDULE)));
            }
            if (root.has(LABEL_SMOOTHING)) {
                hp.optLabelSmoothing(number(root, LABEL_SMOOTHING));
            }
            if (root.has(DROPOUT)) {
                hp.optDropout(number(root, DROPOUT));
            }
            if (root.has(TRAIN_ACCURACY)) {
                hp.optTrainAccuracy(TrainAccuracyMode.fromId(text(root, TRAIN_ACCURACY)));
            }
            if (root.has(AUGMENTATION)) {
                augmentation(root.get(AUGMENTATION), hp);
            }
            if (root.has(EXTRA_DATA)) {
                hp.optExtraData(extraData(root.get(EXTRA_DATA)));
            }
            if (root.has(SWEEP)) {
                request.optSweep(sweep(root.get(SWEEP)));
            }
            request.optTags(tags(root.get(TAGS)));
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
            root.put(RequestFields.EXPERIMENT_ID, id);
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
            JsonNode id = JSON.readTree(new String(body, StandardCharsets.UTF_8)).path(RequestFields.EXPERIMENT_ID);
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
            throw new RequestRejectedException(ARCHITECTURE, e.getMessage());
        }
    }

    private static Sweep sweep(JsonNode node) {
        if (!node.isObject()) {
            throw new RequestRejectedException(SWEEP, "must be an object like {\"parameter\":\"k\",\"values\":[3,4]} "
                    + "or {\"type\":\"random\",\"trials\":8,\"space\":{\"learningRate\":{\"logUniform\":[0.0001,0.01]}}}");
        }
        String type = node.has(TYPE) ? text(node, TYPE, path(SWEEP, TYPE)) : Sweep.GRID;
        if (!Sweep.TYPES.contains(type)) {
            throw new RequestRejectedException(path(SWEEP, TYPE), "must be one of " + Sweep.TYPES + ", got \"" + type + "\"");
        }
        boolean random = type.equals(Sweep.RANDOM);
        requireKnownFields(node, SWEEP + ".", random ? RANDOM_SWEEP_FIELDS : GRID_SWEEP_FIELDS, "of a " + type + " sweep");
        Integer parallelTrials = node.has(PARALLEL_TRIALS) ? integer(node, PARALLEL_TRIALS, path(SWEEP, PARALLEL_TRIALS))
                : null;
        try {
            if (random) {
                if (!node.has(TRIALS)) {
                    throw new RequestRejectedException(path(SWEEP, TRIALS), "is required for a random search");
                }
                int trials = integer(node, TRIALS, path(SWEEP, TRIALS));
                long seed = node.has(SEED) ? longInteger(node, SEED, path(SWEEP, SEED)) : 0L;
                MedianStopping stopping = node.has(MEDIAN_STOPPING) ? medianStopping(node.get(MEDIAN_STOPPING)) : null;
                return Sweep.random(trials, seed, space(node.get(SPACE)), stopping, parallelTrials);
            }
            String parameter = node.has(PARAMETER) ? text(node, PARAMETER, path(SWEEP, PARAMETER)) : null;
            JsonNode values = node.get(VALUES);
            if (values != null && values.isArray() && values.size() <= Sweep.MAX_VALUES) {
                for (int i = 0; i < values.size(); i++) {
                    if (!values.get(i).isNumber()) {
                        throw wrongType(element(path(SWEEP, VALUES), i), "a number", values.get(i));
                    }
                }
            }
            List<Double> numbers = values == null || !values.isArray() ? null : numbers(values);
            return Sweep.grid(parameter, numbers).withParallelTrials(parallelTrials);
        } catch (RequestRejectedException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw RequestRejectedException.from(e, SWEEP);
        }
    }

    private static Map<String, SearchDistribution> space(JsonNode node) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            throw new RequestRejectedException(path(SWEEP, SPACE), "must be an object naming at least one of " + Sweep.SEARCHABLE
                    + ", e.g. {\"learningRate\":{\"logUniform\":[0.0001,0.01]}}");
        }
        Map<String, SearchDistribution> space = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> option : node.properties()) {
            String field = path(path(SWEEP, SPACE), option.getKey());
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
            throw new RequestRejectedException(path(SWEEP, MEDIAN_STOPPING), "must be an object like {\"minTrials\":3,\"gracePeriod\":1}");
        }
        String field = path(SWEEP, MEDIAN_STOPPING);
        requireKnownFields(node, field + ".", MEDIAN_STOPPING_FIELDS, "");
        int minTrials = node.has(MIN_TRIALS) ? integer(node, MIN_TRIALS, path(field, MIN_TRIALS))
                : MedianStopping.DEFAULT_MIN_TRIALS;
        int gracePeriod = node.has(GRACE_PERIOD) ? integer(node, GRACE_PERIOD, path(field, GRACE_PERIOD))
                : MedianStopping.DEFAULT_GRACE_PERIOD;
        return new MedianStopping(minTrials, gracePeriod);
    }

    private static EarlyStopping earlyStopping(JsonNode node) {
        if (!node.isObject()) {
            throw new RequestRejectedException(EARLY_STOPPING, "must be an object like {\"patience\":3,\"minDelta\":0.001}");
        }
        requireKnownFields(node, EARLY_STOPPING + ".", EARLY_STOPPING_FIELDS, "");
        if (!node.has(PATIENCE)) {
            throw new RequestRejectedException(path(EARLY_STOPPING, PATIENCE), "is required");
        }
        int patience = integer(node, PATIENCE, path(EARLY_STOPPING, PATIENCE));
        double minDelta = node.has(MIN_DELTA) ? number(node, MIN_DELTA, path(EARLY_STOPPING, MIN_DELTA)) : 0;
        return new EarlyStopping(patience, minDelta);
    }

    /**
     * Sets the augmentation's fields given on {@code hp}; one left out keeps what the builder holds: a
     * named recipe's, else the seed's (off), as a flag left out does on the command line.
     */
    private static void augmentation(JsonNode node, HyperParameters.Builder hp) {
        if (!node.isObject()) {
            throw new RequestRejectedException(AUGMENTATION, "must be an object like {\"cropPadding\":2,\"horizontalFlip\":true}");
        }
        requireKnownFields(node, AUGMENTATION + ".", AUGMENTATION_FIELDS, "");
        if (node.has(CROP_PADDING)) {
            hp.optCropPadding(integer(node, CROP_PADDING, path(AUGMENTATION, CROP_PADDING)));
        }
        if (node.has(HORIZONTAL_FLIP)) {
            hp.optHorizontalFlip(bool(node, HORIZONTAL_FLIP, path(AUGMENTATION, HORIZONTAL_FLIP)));
        }
        if (node.has(PHOTO)) {
            hp.optPhotoAugmentation(bool(node, PHOTO, path(AUGMENTATION, PHOTO)));
        }
        if (node.has(TEST_TIME_FLIP)) {
            hp.optTestTimeFlip(bool(node, TEST_TIME_FLIP, path(AUGMENTATION, TEST_TIME_FLIP)));
        }
    }

    /** The folder of one's own images; whether its files are a dataset is the trainer's check, where they are. */
    private static ExtraData extraData(JsonNode node) {
        if (!node.isObject()) {
            throw new RequestRejectedException(EXTRA_DATA, "must be an object like {\"path\":\"/data/mine\"}");
        }
        requireKnownFields(node, EXTRA_DATA + ".", EXTRA_DATA_FIELDS, "");
        if (!node.has(PATH)) {
            throw new RequestRejectedException(path(EXTRA_DATA, PATH), "is required: the folder with the idx files, on "
                    + "the trainer's machine");
        }
        try {
            return new ExtraData(text(node, PATH, path(EXTRA_DATA, PATH)));
        } catch (IllegalArgumentException e) {
            throw RequestRejectedException.from(e, path(EXTRA_DATA, PATH));
        }
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

    /** The tags' JSON types; their number and lengths are {@link ExperimentRequest.Builder#build()}'s rules. */
    private static Map<String, String> tags(JsonNode node) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (node == null || node.isNull()) {
            return tags;
        }
        if (!node.isObject() || node.size() > MAX_TAGS) {
            throw new RequestRejectedException(TAGS, "must be an object of at most " + MAX_TAGS + " string values");
        }
        for (Map.Entry<String, JsonNode> tag : node.properties()) {
            if (!tag.getValue().isTextual()) {
                throw ExperimentRequest.tagRefused(tag.getKey());
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
        return number(root, field, field);
    }

    private static double number(JsonNode root, String field, String path) {
        JsonNode node = root.get(field);
        if (!node.isNumber()) {
            throw wrongType(path, "a number", node);
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
