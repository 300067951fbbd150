package dev.fmnist.contract.cli;

import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.NamedRecipe;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.ExtraData;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The flags of a training recipe, spelled the same in every command that takes one: a picocli mixin
 * of {@code fmnist submit} and {@code bin/trainer train}. Values are the request's ({@code evaluation},
 * {@code onecycle}), in any case. A flag left out changes nothing: {@link #applyTo} sets only the flags
 * given, on a request builder that holds the seed's recipe or a file's.
 *
 * <p>Only recipe flags belong here, the ones both commands take: the spellings {@code bin/trainer train}
 * had before are that command's own hidden options, not this mixin's.
 */
public final class RecipeOptions {

    @Option(names = "--recipe", paramLabel = "NAME", converter = NamedRecipeConverter.class,
            description = "start from a named recipe, its network and hyper-parameters, that the other flags change: "
                    + "seed (the default), speedrun (speed-bn, built for time to 0.93) or speedrun-deep (deep-bn, more accuracy than better-bn in less time)")
    NamedRecipe recipe;

    @Option(names = {"-a", "--architecture"}, paramLabel = "NAME", converter = ArchitectureConverter.class,
            completionCandidates = ArchitectureIds.class, description = "${COMPLETION-CANDIDATES} (default: better)")
    Architecture architecture;

    @Option(names = "-k", paramLabel = "K", description = "compare's second conv kernel size, "
            + NetworkSpec.MIN_KERNEL + ".." + NetworkSpec.MAX_KERNEL + " (default: " + NetworkSpec.BASELINE_KERNEL + ")")
    Integer k;

    @Option(names = "--epochs", paramLabel = "N", description = "passes over the training set (default: "
            + HyperParameters.DEFAULT_EPOCHS + ")")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "images per step (default: "
            + HyperParameters.DEFAULT_BATCH_SIZE + ")")
    Integer batchSize;

    @Option(names = "--learning-rate", paramLabel = "LR", description = "(default: "
            + HyperParameters.DEFAULT_LEARNING_RATE + ")")
    Double learningRate;

    @Option(names = "--optimizer", paramLabel = "NAME", converter = OptimizerConverter.class,
            description = "adam (default) or sgd")
    OptimizerKind optimizer;

    @Option(names = "--momentum", paramLabel = "M", description = "sgd's momentum (default: "
            + HyperParameters.DEFAULT_MOMENTUM + ")")
    Double momentum;

    @Option(names = "--shuffle", negatable = true, description = "reshuffle the training set every epoch (default: on)")
    Boolean shuffle;

    @Option(names = "--seed", paramLabel = "N", description = "seeds the initial weights and the shuffle (default: 0)")
    Long seed;

    @Option(names = "--train-limit", paramLabel = "N", description = "train on the first N images only (default: all)")
    Integer trainLimit;

    @Option(names = "--weight-decay", paramLabel = "WD", description = "adam: AdamW's decoupled decay; sgd: L2 (default: 0)")
    Double weightDecay;

    @Option(names = "--lr-schedule", paramLabel = "NAME", converter = ScheduleConverter.class,
            description = "constant (default), step, cosine or onecycle")
    LearningRateSchedule lrSchedule;

    @Option(names = "--label-smoothing", paramLabel = "E", description = "spread E of each target over all classes (default: 0)")
    Double labelSmoothing;

    @Option(names = "--train-accuracy", paramLabel = "MODE", converter = TrainAccuracyConverter.class,
            description = "evaluation (default: a pass over the training set each epoch, as the seed), running "
                    + "(free, during the epoch) or none")
    TrainAccuracyMode trainAccuracy;

    @Option(names = "--dropout", paramLabel = "P",
            description = "drop a share P of the features into each dense layer after a hidden one (default: 0)")
    Double dropout;

    @Option(names = "--crop-padding", paramLabel = "N",
            description = "augment: shift each training image by up to N pixels, a random crop of it padded by N (default: 0)")
    Integer cropPadding;

    @Option(names = "--flip", negatable = true, description = "augment: mirror half the training images left to right")
    Boolean flip;

    @Option(names = "--photo-augment", negatable = true, description = "augment: change each training image as a "
            + "product photo's conversion leaves it (smaller, off-centre, softer, another contrast, JPEG blocks)")
    Boolean photoAugment;

    @Option(names = "--test-time-flip", negatable = true, description = "classify each evaluated and served "
            + "image by the mean of its own and its mirror image's answers (twice the images a forward pass)")
    Boolean testTimeFlip;

    @Option(names = "--extra-data", paramLabel = "DIR", converter = ExtraDataConverter.class,
            description = "append the labelled images in DIR (as 'fmnist feedback export' writes them) to the training "
                    + "split; DIR is the trainer's, made absolute here")
    ExtraData extraData;

    @Option(names = "--validation-split", paramLabel = "N",
            description = "hold N training images out for validation: valAccuracy and valLoss per epoch (default: none)")
    Integer validationSplit;

    @Option(names = "--keep-best", paramLabel = "WHICH", converter = KeepBestConverter.class,
            description = "last (default) or val: keep the epoch with the best validation accuracy")
    KeepBest keepBest;

    @Option(names = "--early-stopping", paramLabel = "PATIENCE[:MIN_DELTA]", converter = EarlyStoppingConverter.class,
            description = "stop after PATIENCE epochs without a validation gain above MIN_DELTA (default 0), e.g. 3:0.001")
    EarlyStopping earlyStopping;

    /**
     * Sets the flags given on {@code request} (architecture, k and its recipe), leaving the rest as it
     * is; the builder's {@code build()} then checks the rules, naming the field. A {@code --recipe}
     * replaces the network and recipe first (a file's included), and the other flags change it.
     */
    public ExperimentRequest.Builder applyTo(ExperimentRequest.Builder request) {
        set(recipe, request::optRecipe);
        set(architecture, request::optArchitecture);
        set(k, request::optK);
        HyperParameters.Builder hp = request.recipe();
        set(epochs, hp::optEpochs);
        set(batchSize, hp::optBatchSize);
        set(learningRate, hp::optLearningRate);
        set(optimizer, hp::optOptimizer);
        set(momentum, hp::optMomentum);
        set(shuffle, hp::optShuffle);
        set(seed, hp::optSeed);
        set(trainLimit, hp::optTrainLimit);
        set(weightDecay, hp::optWeightDecay);
        set(lrSchedule, hp::optLrSchedule);
        set(labelSmoothing, hp::optLabelSmoothing);
        set(trainAccuracy, hp::optTrainAccuracy);
        set(dropout, hp::optDropout);
        set(cropPadding, hp::optCropPadding);
        set(flip, hp::optHorizontalFlip);
        set(photoAugment, hp::optPhotoAugmentation);
        set(testTimeFlip, hp::optTestTimeFlip);
        set(validationSplit, hp::optValidationSplit);
        set(keepBest, hp::optKeepBest);
        set(earlyStopping, hp::optEarlyStopping);
        set(extraData, hp::optExtraData);
        return request;
    }

    private static <T> void set(T value, Consumer<T> option) {
        if (value != null) {
            option.accept(value);
        }
    }

    /**
     * {@code FIRST[:SECOND]}, the form of a flag that sets two fields of one object, split at the colon
     * and trimmed: one or two parts; anything else is an {@link IllegalArgumentException} showing {@code form}.
     */
    public static List<String> colonPair(String text, String form) {
        String[] parts = text.split(":", -1);
        if (parts.length > 2 || parts[0].isBlank() || parts.length == 2 && parts[1].isBlank()) {
            throw new IllegalArgumentException("expected " + form + ", got '" + text + "'");
        }
        return parts.length == 1 ? List.of(parts[0].trim()) : List.of(parts[0].trim(), parts[1].trim());
    }

    /** A request-style name looked up by the contract's own {@code fromId}; its refusal lists the known names. */
    private abstract static class ById<T> implements ITypeConverter<T> {
        private final Function<String, T> fromId;

        ById(Function<String, T> fromId) {
            this.fromId = fromId;
        }

        @Override
        public T convert(String text) {
            try {
                return fromId.apply(text);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class NamedRecipeConverter extends ById<NamedRecipe> {
        NamedRecipeConverter() {
            super(NamedRecipe::fromId);
        }
    }

    /** Public for the train command's old {@code --model}. */
    /** The registry's names, for -a's help text: a new network is listed without editing it. */
    static final class ArchitectureIds implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(Architecture.values()).map(Architecture::id).iterator();
        }
    }

    public static final class ArchitectureConverter extends ById<Architecture> {
        public ArchitectureConverter() {
            super(Architecture::fromId);
        }
    }

    static final class OptimizerConverter extends ById<OptimizerKind> {
        OptimizerConverter() {
            super(OptimizerKind::fromId);
        }
    }

    static final class ScheduleConverter extends ById<LearningRateSchedule> {
        ScheduleConverter() {
            super(LearningRateSchedule::fromId);
        }
    }

    /** The request's names (evaluation, running, none) and the constants' (EVALUATION_PASS), in any case. */
    static final class TrainAccuracyConverter extends ById<TrainAccuracyMode> {
        TrainAccuracyConverter() {
            super(TrainAccuracyMode::fromId);
        }
    }

    static final class KeepBestConverter extends ById<KeepBest> {
        KeepBestConverter() {
            super(KeepBest::fromId);
        }
    }

    /** A folder made absolute and normalised from where the command runs (the trainer's own, for bin/up). */
    static final class ExtraDataConverter implements ITypeConverter<ExtraData> {
        @Override
        public ExtraData convert(String text) {
            try {
                return new ExtraData(Path.of(text).toAbsolutePath().normalize().toString());
            } catch (IllegalArgumentException e) { // InvalidPathException too
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class EarlyStoppingConverter implements ITypeConverter<EarlyStopping> {
        private static final String FORM = "PATIENCE[:MIN_DELTA], e.g. 3:0.001";

        @Override
        public EarlyStopping convert(String text) {
            try {
                List<String> parts = colonPair(text, FORM);
                return new EarlyStopping(Integer.parseInt(parts.get(0)), parts.size() > 1 ? Double.parseDouble(parts.get(1)) : 0);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected " + FORM + ", got '" + text + "'");
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
