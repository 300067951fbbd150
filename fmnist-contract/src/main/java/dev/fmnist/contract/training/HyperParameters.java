package dev.fmnist.contract.training;

import static dev.fmnist.contract.fields.RequestFields.BATCH_SIZE;
import static dev.fmnist.contract.fields.RequestFields.DROPOUT;
import static dev.fmnist.contract.fields.RequestFields.EARLY_STOPPING;
import static dev.fmnist.contract.fields.RequestFields.EPOCHS;
import static dev.fmnist.contract.fields.RequestFields.KEEP_BEST;
import static dev.fmnist.contract.fields.RequestFields.LABEL_SMOOTHING;
import static dev.fmnist.contract.fields.RequestFields.LEARNING_RATE;
import static dev.fmnist.contract.fields.RequestFields.MOMENTUM;
import static dev.fmnist.contract.fields.RequestFields.OPTIMIZER;
import static dev.fmnist.contract.fields.RequestFields.TRAIN_ACCURACY;
import static dev.fmnist.contract.fields.RequestFields.TRAIN_LIMIT;
import static dev.fmnist.contract.fields.RequestFields.VALIDATION_SPLIT;
import static dev.fmnist.contract.fields.RequestFields.WEIGHT_DECAY;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Everything that decides a training run besides the network; defaults are the seed notebook's recipe
 * (Adam, lr 0.001, batch 1000, shuffled, 10 epochs). Invalid values are refused here, with the field
 * name and the rule, so every entry point shares one set of rules.
 *
 * @param epochs passes over the training set, 1..1000
 * @param batchSize images per step, 1..60000 (and at most the training set)
 * @param learningRate step size, in (0, 10]
 * @param optimizer adam or sgd
 * @param momentum sgd's momentum in [0, 1); ignored by adam
 * @param shuffle reshuffle the training set every epoch
 * @param seed seeds the initialisation and the shuffle order
 * @param trainLimit train on the first N images only; 0 for all
 * @param trainAccuracy how the per-epoch training accuracy is measured
 * @param initialization PyTorch's default or DJL's Xavier
 * @param validationSplit images held out of the training set for validation, chosen reproducibly from
 *     the seed; 0 (the seed's recipe) for none
 * @param keepBest which epoch's weights are published: the last, or the best by validation accuracy
 * @param earlyStopping stop when validation accuracy stops improving; null for never
 * @param weightDecay in [0, 1): with adam, decoupled weight decay (AdamW); with sgd, L2; 0 (the seed's) for none
 * @param lrSchedule how the learning rate moves over the run; constant is the seed's
 * @param labelSmoothing in [0, 1): the share of each target spread over all classes; 0 (the seed's) for none
 * @param dropout in [0, 1): the share of features dropped, in training only, on the way into each dense
 *     layer that follows a hidden layer; 0 (the seed's) for none
 * @param augmentation random crops, flips and photo-like changes of the training images, and test-time flips;
 *     none (the seed's) by default
 * @param extraData a folder of labelled images of one's own appended to the training split; null (the seed's) for none
 */
public record HyperParameters(
        int epochs,
        int batchSize,
        double learningRate,
        OptimizerKind optimizer,
        double momentum,
        boolean shuffle,
        long seed,
        int trainLimit,
        TrainAccuracyMode trainAccuracy,
        Initialization initialization,
        int validationSplit,
        KeepBest keepBest,
        EarlyStopping earlyStopping,
        double weightDecay,
        LearningRateSchedule lrSchedule,
        double labelSmoothing,
        double dropout,
        Augmentation augmentation,
        @JsonInclude(JsonInclude.Include.NON_NULL) ExtraData extraData) {

    public static final int DEFAULT_EPOCHS = 10;
    public static final int DEFAULT_BATCH_SIZE = 1000;
    public static final double DEFAULT_LEARNING_RATE = 0.001;
    public static final double DEFAULT_MOMENTUM = 0.9;
    public static final int MAX_EPOCHS = 1000;
    public static final int MAX_BATCH_SIZE = 60_000;
    public static final int MAX_TRAIN_IMAGES = 60_000;
    public static final double MAX_LEARNING_RATE = 10.0;
    /** Half the training set at most: the rest must still train. */
    public static final int MAX_VALIDATION_SPLIT = 30_000;

    /** Not a request field: the local {@code bin/trainer train --init} sets it; a request trains with the default. */
    private static final String INITIALIZATION = "initialization";

    public HyperParameters {
        require(epochs >= 1 && epochs <= MAX_EPOCHS, EPOCHS, "must be between 1 and " + MAX_EPOCHS, epochs);
        require(batchSize >= 1 && batchSize <= MAX_BATCH_SIZE, BATCH_SIZE, "must be between 1 and "
                + MAX_BATCH_SIZE, batchSize);
        require(learningRate > 0 && learningRate <= MAX_LEARNING_RATE, LEARNING_RATE,
                "must be in (0, " + MAX_LEARNING_RATE + "]", learningRate);
        require(optimizer != null, OPTIMIZER, "is required", optimizer);
        require(momentum >= 0 && momentum < 1, MOMENTUM, "must be in [0, 1)", momentum);
        require(trainLimit >= 0 && trainLimit <= MAX_TRAIN_IMAGES, TRAIN_LIMIT, "must be between 0 (all) and "
                + MAX_TRAIN_IMAGES, trainLimit);
        require(trainLimit == 0 || batchSize <= trainLimit, BATCH_SIZE, "must not exceed trainLimit ("
                + trainLimit + ")", batchSize);
        require(trainAccuracy != null, TRAIN_ACCURACY, "is required", trainAccuracy);
        require(initialization != null, INITIALIZATION, "is required", initialization);
        require(validationSplit >= 0 && validationSplit <= MAX_VALIDATION_SPLIT, VALIDATION_SPLIT,
                "must be between 0 (none) and " + MAX_VALIDATION_SPLIT, validationSplit);
        require(trainLimit == 0 || validationSplit < trainLimit, VALIDATION_SPLIT, "must be below trainLimit ("
                + trainLimit + "), so that something is left to train on", validationSplit);
        require(trainLimit == 0 || validationSplit == 0 || batchSize <= trainLimit - validationSplit, BATCH_SIZE,
                "must not exceed the images left to train on (trainLimit " + trainLimit + " - validationSplit "
                        + validationSplit + ")", batchSize);
        keepBest = keepBest == null ? KeepBest.LAST : keepBest; // artefacts written before the option read as the seed
        require(keepBest == KeepBest.LAST || validationSplit > 0, KEEP_BEST, "\"val\" needs a validationSplit "
                + "(the test set never chooses)", keepBest.id());
        require(earlyStopping == null || validationSplit > 0, EARLY_STOPPING, "needs a validationSplit (the test "
                + "set never chooses)", earlyStopping);
        require(weightDecay >= 0 && weightDecay < 1, WEIGHT_DECAY, "must be in [0, 1)", weightDecay);
        lrSchedule = lrSchedule == null ? LearningRateSchedule.CONSTANT : lrSchedule; // older artefacts: the seed's
        require(labelSmoothing >= 0 && labelSmoothing < 1, LABEL_SMOOTHING, "must be in [0, 1)", labelSmoothing);
        require(dropout >= 0 && dropout < 1, DROPOUT, "must be in [0, 1)", dropout);
        augmentation = augmentation == null ? Augmentation.NONE : augmentation; // older artefacts: the seed's
    }

    private static void require(boolean rule, String field, String text, Object value) {
        if (!rule) {
            throw new IllegalArgumentException(field + ": " + text + ", got " + value);
        }
    }

    /** The seed's recipe. */
    public static HyperParameters defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these values. */
    public Builder toBuilder() {
        return new Builder().optEpochs(epochs).optBatchSize(batchSize).optLearningRate(learningRate)
                .optOptimizer(optimizer).optMomentum(momentum).optShuffle(shuffle).optSeed(seed)
                .optTrainLimit(trainLimit).optTrainAccuracy(trainAccuracy).optInitialization(initialization)
                .optValidationSplit(validationSplit).optKeepBest(keepBest).optEarlyStopping(earlyStopping)
                .optWeightDecay(weightDecay).optLrSchedule(lrSchedule).optLabelSmoothing(labelSmoothing)
                .optDropout(dropout).optAugmentation(augmentation).optExtraData(extraData);
    }

    /** Builds {@link HyperParameters}, starting from the seed's recipe. */
    public static final class Builder {
        private int epochs = DEFAULT_EPOCHS;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private double learningRate = DEFAULT_LEARNING_RATE;
        private OptimizerKind optimizer = OptimizerKind.ADAM;
        private double momentum = DEFAULT_MOMENTUM;
        private boolean shuffle = true;
        private long seed;
        private int trainLimit;
        private TrainAccuracyMode trainAccuracy = TrainAccuracyMode.EVALUATION_PASS;
        private Initialization initialization = Initialization.PYTORCH;
        private int validationSplit;
        private KeepBest keepBest = KeepBest.LAST;
        private EarlyStopping earlyStopping;
        private double weightDecay;
        private LearningRateSchedule lrSchedule = LearningRateSchedule.CONSTANT;
        private double labelSmoothing;
        private double dropout;
        // kept apart, so that a flag can change one and keep the other a request file set
        private int cropPadding;
        private boolean horizontalFlip;
        private boolean photoAugmentation;
        private boolean testTimeFlip;
        private ExtraData extraData;

        private Builder() {}

        public Builder optEpochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public Builder optBatchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        public Builder optLearningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public Builder optOptimizer(OptimizerKind optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        public Builder optMomentum(double momentum) {
            this.momentum = momentum;
            return this;
        }

        public Builder optShuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder optTrainLimit(int trainLimit) {
            this.trainLimit = trainLimit;
            return this;
        }

        public Builder optTrainAccuracy(TrainAccuracyMode trainAccuracy) {
            this.trainAccuracy = trainAccuracy;
            return this;
        }

        public Builder optInitialization(Initialization initialization) {
            this.initialization = initialization;
            return this;
        }

        public Builder optValidationSplit(int validationSplit) {
            this.validationSplit = validationSplit;
            return this;
        }

        public Builder optKeepBest(KeepBest keepBest) {
            this.keepBest = keepBest;
            return this;
        }

        public Builder optEarlyStopping(EarlyStopping earlyStopping) {
            this.earlyStopping = earlyStopping;
            return this;
        }

        public Builder optWeightDecay(double weightDecay) {
            this.weightDecay = weightDecay;
            return this;
        }

        public Builder optLrSchedule(LearningRateSchedule lrSchedule) {
            this.lrSchedule = lrSchedule;
            return this;
        }

        public Builder optLabelSmoothing(double labelSmoothing) {
            this.labelSmoothing = labelSmoothing;
            return this;
        }

        public Builder optDropout(double dropout) {
            this.dropout = dropout;
            return this;
        }

        public Builder optAugmentation(Augmentation augmentation) {
            Augmentation given = augmentation == null ? Augmentation.NONE : augmentation;
            return optCropPadding(given.cropPadding()).optHorizontalFlip(given.horizontalFlip())
                    .optPhotoAugmentation(given.photo()).optTestTimeFlip(given.testTimeFlip());
        }

        /** The augmentation's crop padding; its flip stays as it is. */
        public Builder optCropPadding(int cropPadding) {
            this.cropPadding = cropPadding;
            return this;
        }

        /** The augmentation's flip; its crop padding stays as it is. */
        public Builder optHorizontalFlip(boolean horizontalFlip) {
            this.horizontalFlip = horizontalFlip;
            return this;
        }

        /** The augmentation's photo changes; its crop and flip stay as they are. */
        public Builder optPhotoAugmentation(boolean photo) {
            this.photoAugmentation = photo;
            return this;
        }

        /** Whether evaluation and serving average each image's answer with its mirror image's. */
        public Builder optTestTimeFlip(boolean testTimeFlip) {
            this.testTimeFlip = testTimeFlip;
            return this;
        }

        /** Images of one's own appended to the training split; null for none. */
        public Builder optExtraData(ExtraData extraData) {
            this.extraData = extraData;
            return this;
        }

        public HyperParameters build() {
            return new HyperParameters(epochs, batchSize, learningRate, optimizer, momentum, shuffle, seed,
                    trainLimit, trainAccuracy, initialization, validationSplit, keepBest, earlyStopping, weightDecay,
                    lrSchedule, labelSmoothing, dropout, new Augmentation(cropPadding, horizontalFlip,
                    photoAugmentation, testTimeFlip), extraData);
        }
    }
}
