package dev.fmnist.contract.fields;

import java.util.List;

/**
 * The field names of an experiment request, spelled once: the request parser reads them, the writer
 * writes them, the sweep names the options it sets by them, and every refusal names its field by them,
 * the records' own ({@code HyperParameters}, {@code EarlyStopping}, {@code NetworkSpec}, {@code Sweep}...)
 * included. A nested field's name is its parent's, a dot, then its own ({@code earlyStopping.patience}),
 * as rejections name it: {@link #path}.
 *
 * <p>Why a package of its own: {@code experiments} builds on {@code training} and {@code networks}
 * (a request holds a recipe and a network), and those records refuse bad values naming the request's
 * fields. Kept in {@code experiments}, the names would make the lower packages depend on the upper one,
 * a cycle; here, in a package that depends on nothing, every layer of the contract can see them.
 */
public final class RequestFields {

    public static final String EXPERIMENT_ID = "experimentId";
    /** A named recipe the other fields start from ({@code NamedRecipe}). */
    public static final String RECIPE = "recipe";
    public static final String ARCHITECTURE = "architecture";
    public static final String K = "k";
    public static final String EPOCHS = "epochs";
    public static final String BATCH_SIZE = "batchSize";
    public static final String LEARNING_RATE = "learningRate";
    public static final String OPTIMIZER = "optimizer";
    public static final String MOMENTUM = "momentum";
    public static final String SHUFFLE = "shuffle";
    /** The recipe's seed, and a random search's (inside {@code sweep}). */
    public static final String SEED = "seed";
    public static final String TRAIN_LIMIT = "trainLimit";
    public static final String VALIDATION_SPLIT = "validationSplit";
    public static final String KEEP_BEST = "keepBest";
    public static final String EARLY_STOPPING = "earlyStopping";
    public static final String WEIGHT_DECAY = "weightDecay";
    public static final String LR_SCHEDULE = "lrSchedule";
    public static final String LABEL_SMOOTHING = "labelSmoothing";
    public static final String DROPOUT = "dropout";
    public static final String AUGMENTATION = "augmentation";
    public static final String TRAIN_ACCURACY = "trainAccuracy";
    public static final String EXTRA_DATA = "extraData";
    public static final String SWEEP = "sweep";
    public static final String TAGS = "tags";

    /** Every top-level field, in the order the writer writes them. */
    public static final List<String> TOP_LEVEL = List.of(EXPERIMENT_ID, RECIPE, ARCHITECTURE, K, EPOCHS, BATCH_SIZE,
            LEARNING_RATE, OPTIMIZER, MOMENTUM, SHUFFLE, SEED, TRAIN_LIMIT, VALIDATION_SPLIT, KEEP_BEST, EARLY_STOPPING,
            WEIGHT_DECAY, LR_SCHEDULE, LABEL_SMOOTHING, DROPOUT, AUGMENTATION, TRAIN_ACCURACY, EXTRA_DATA, SWEEP, TAGS);

    // earlyStopping's
    public static final String PATIENCE = "patience";
    public static final String MIN_DELTA = "minDelta";
    public static final List<String> EARLY_STOPPING_FIELDS = List.of(MIN_DELTA, PATIENCE);

    // augmentation's
    public static final String CROP_PADDING = "cropPadding";
    public static final String HORIZONTAL_FLIP = "horizontalFlip";
    public static final String PHOTO = "photo";
    public static final String TEST_TIME_FLIP = "testTimeFlip";
    public static final List<String> AUGMENTATION_FIELDS = List.of(CROP_PADDING, HORIZONTAL_FLIP, PHOTO, TEST_TIME_FLIP);

    // extraData's
    public static final String PATH = "path";
    public static final List<String> EXTRA_DATA_FIELDS = List.of(PATH);

    // sweep's (and SEED)
    public static final String TYPE = "type";
    public static final String PARAMETER = "parameter";
    public static final String VALUES = "values";
    public static final String TRIALS = "trials";
    public static final String SPACE = "space";
    public static final String MEDIAN_STOPPING = "medianStopping";
    public static final String PARALLEL_TRIALS = "parallelTrials";
    public static final List<String> GRID_SWEEP_FIELDS = List.of(TYPE, PARAMETER, VALUES, PARALLEL_TRIALS);
    public static final List<String> RANDOM_SWEEP_FIELDS = List.of(TYPE, TRIALS, SEED, SPACE, MEDIAN_STOPPING,
            PARALLEL_TRIALS);

    // sweep.medianStopping's
    public static final String MIN_TRIALS = "minTrials";
    public static final String GRACE_PERIOD = "gracePeriod";
    public static final List<String> MEDIAN_STOPPING_FIELDS = List.of(GRACE_PERIOD, MIN_TRIALS);

    // a sweep.space option's one key: the distribution it is drawn from
    public static final String UNIFORM = "uniform";
    public static final String LOG_UNIFORM = "logUniform";
    public static final String CHOICE = "choice";
    public static final List<String> DISTRIBUTION_FIELDS = List.of(UNIFORM, LOG_UNIFORM, CHOICE);

    private RequestFields() {}

    /** A nested field's name as rejections give it: {@code path(SWEEP, TRIALS)} is {@code sweep.trials}. */
    public static String path(String parent, String... children) {
        StringBuilder path = new StringBuilder(parent);
        for (String child : children) {
            path.append('.').append(child);
        }
        return path.toString();
    }

    /** An array element's name as rejections give it: {@code element(path(SWEEP, VALUES), 2)} is {@code sweep.values[2]}. */
    public static String element(String array, int index) {
        return array + "[" + index + "]";
    }
}
