package dev.fmnist.contract.experiments;

import static dev.fmnist.contract.fields.RequestFields.*;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.fields.RequestFields;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.HyperParameters;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Writes a typed {@link ExperimentRequest} as the JSON {@link RequestParser} reads: the parser's
 * inverse ({@code parse(write(r))} equals {@code r}). The id and the architecture are always written;
 * {@code k} and a recipe option only where they differ from the defaults the parser fills in, so a request that uses no
 * newer option is still read by an older trainer, and a file reads like what its author chose.
 */
public final class RequestWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Whole numbers up to this are exact as doubles, and written without a fraction ({@code k=3}, not 3.0). */
    private static final double EXACT_WHOLE = 1L << 53;

    private RequestWriter() {}

    /** The request as the parser's JSON bytes. */
    public static byte[] write(ExperimentRequest request) {
        try {
            return JSON.writeValueAsBytes(toJson(request));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The request as a JSON tree, fields in {@link RequestFields#TOP_LEVEL}'s order. A recipe whose
     * initialisation is not the default cannot be written: a request has no such field (only
     * {@code train --init} sets it).
     */
    public static ObjectNode toJson(ExperimentRequest request) {
        HyperParameters hp = request.hyperParameters();
        HyperParameters seed = HyperParameters.defaults();
        if (hp.initialization() != seed.initialization()) {
            throw new IllegalArgumentException("initialization: is not a request field, so only "
                    + seed.initialization() + " can be written, got " + hp.initialization());
        }
        ObjectNode root = JSON.createObjectNode();
        root.put(EXPERIMENT_ID, request.experimentId());
        root.put(ARCHITECTURE, request.network().architecture().id());
        Integer k = request.network().k();
        if (k != null && k != NetworkSpec.BASELINE_KERNEL) { // compare's default k is the parser's too
            root.put(K, k);
        }
        putUnlessSeed(root, EPOCHS, hp.epochs(), seed.epochs());
        putUnlessSeed(root, BATCH_SIZE, hp.batchSize(), seed.batchSize());
        putUnlessSeed(root, LEARNING_RATE, hp.learningRate(), seed.learningRate());
        putUnlessSeed(root, OPTIMIZER, hp.optimizer().id(), seed.optimizer().id());
        putUnlessSeed(root, MOMENTUM, hp.momentum(), seed.momentum());
        if (hp.shuffle() != seed.shuffle()) {
            root.put(SHUFFLE, hp.shuffle());
        }
        if (hp.seed() != seed.seed()) {
            root.put(SEED, hp.seed());
        }
        putUnlessSeed(root, TRAIN_LIMIT, hp.trainLimit(), seed.trainLimit());
        putUnlessSeed(root, VALIDATION_SPLIT, hp.validationSplit(), seed.validationSplit());
        putUnlessSeed(root, KEEP_BEST, hp.keepBest().id(), seed.keepBest().id());
        if (hp.earlyStopping() != null) {
            EarlyStopping stopping = hp.earlyStopping();
            root.putObject(EARLY_STOPPING).put(PATIENCE, stopping.patience()).put(MIN_DELTA, stopping.minDelta());
        }
        putUnlessSeed(root, WEIGHT_DECAY, hp.weightDecay(), seed.weightDecay());
        putUnlessSeed(root, LR_SCHEDULE, hp.lrSchedule().id(), seed.lrSchedule().id());
        putUnlessSeed(root, LABEL_SMOOTHING, hp.labelSmoothing(), seed.labelSmoothing());
        putUnlessSeed(root, DROPOUT, hp.dropout(), seed.dropout());
        if (!hp.augmentation().equals(seed.augmentation())) {
            Augmentation augmentation = hp.augmentation();
            ObjectNode node = root.putObject(AUGMENTATION).put(CROP_PADDING, augmentation.cropPadding())
                    .put(HORIZONTAL_FLIP, augmentation.horizontalFlip());
            if (augmentation.photo()) { // written only when on: requests without it read as they did
                node.put(PHOTO, true);
            }
            if (augmentation.testTimeFlip()) { // likewise
                node.put(TEST_TIME_FLIP, true);
            }
        }
        putUnlessSeed(root, TRAIN_ACCURACY, hp.trainAccuracy().id(), seed.trainAccuracy().id());
        if (hp.extraData() != null) {
            root.putObject(EXTRA_DATA).put(PATH, hp.extraData().path());
        }
        if (request.sweep() != null) {
            root.set(SWEEP, sweep(request.sweep()));
        }
        if (!request.tags().isEmpty()) {
            ObjectNode tags = root.putObject(TAGS);
            request.tags().forEach(tags::put);
        }
        return root;
    }

    private static ObjectNode sweep(Sweep sweep) {
        ObjectNode node = JSON.createObjectNode();
        if (sweep.isRandom()) {
            node.put(TYPE, sweep.type());
            node.put(TRIALS, sweep.trials());
            if (sweep.seed() != 0) {
                node.put(SEED, sweep.seed());
            }
            ObjectNode space = node.putObject(SPACE);
            sweep.space().forEach((option, distribution) ->
                    numbers(space.putObject(option).putArray(distribution.kind()), distribution.values()));
            if (sweep.medianStopping() != null) {
                node.putObject(MEDIAN_STOPPING).put(MIN_TRIALS, sweep.medianStopping().minTrials())
                        .put(GRACE_PERIOD, sweep.medianStopping().gracePeriod());
            }
        } else { // a grid: the type the parser assumes
            node.put(PARAMETER, sweep.parameter());
            numbers(node.putArray(VALUES), sweep.values());
        }
        if (sweep.parallelTrials() != null) {
            node.put(PARALLEL_TRIALS, sweep.parallelTrials());
        }
        return node;
    }

    private static void numbers(ArrayNode array, List<Double> values) {
        for (double value : values) {
            if (value == Math.rint(value) && Math.abs(value) < EXACT_WHOLE) {
                array.add((long) value);
            } else {
                array.add(value);
            }
        }
    }

    private static void putUnlessSeed(ObjectNode root, String field, int value, int seed) {
        if (value != seed) {
            root.put(field, value);
        }
    }

    private static void putUnlessSeed(ObjectNode root, String field, double value, double seed) {
        if (Double.compare(value, seed) != 0) {
            root.put(field, value);
        }
    }

    private static void putUnlessSeed(ObjectNode root, String field, String value, String seed) {
        if (!value.equals(seed)) {
            root.put(field, value);
        }
    }
}
