package dev.fmnist.trainer.cli;

import dev.fmnist.contract.cli.RecipeOptions;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.training.EarlyStopping;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The spellings {@code bin/trainer train} had before the recipe flags were {@link RecipeOptions}
 * ({@code --model}, {@code --k}, {@code --lr}, {@code --limit}, {@code --early-stopping-patience},
 * {@code --early-stopping-min-delta}), kept for one release, hidden from the help. A mixin of
 * {@code train} alone: {@code fmnist submit} never had them, so it does not take them.
 */
public final class LegacyTrainOptions {

    private static final String EARLY_STOPPING = "--early-stopping";

    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--model", hidden = true, paramLabel = "NAME", converter = RecipeOptions.ArchitectureConverter.class)
    Architecture architecture;

    @Option(names = "--k", hidden = true, paramLabel = "K")
    Integer k;

    @Option(names = "--lr", hidden = true, paramLabel = "LR")
    Double learningRate;

    @Option(names = "--limit", hidden = true, paramLabel = "N")
    Integer trainLimit;

    @Option(names = "--early-stopping-patience", hidden = true, paramLabel = "N")
    Integer patience;

    @Option(names = "--early-stopping-min-delta", hidden = true, paramLabel = "D")
    Double minDelta;

    /** Sets the old flags given on {@code request}, after the recipe's own: given both, the old spelling wins. */
    public ExperimentRequest.Builder applyTo(ExperimentRequest.Builder request) {
        if (architecture != null) {
            request.optArchitecture(architecture);
        }
        if (k != null) {
            request.optK(k);
        }
        if (learningRate != null) {
            request.recipe().optLearningRate(learningRate);
        }
        if (trainLimit != null) {
            request.recipe().optTrainLimit(trainLimit);
        }
        if (patience != null || minDelta != null) {
            request.recipe().optEarlyStopping(earlyStopping());
        }
        return request;
    }

    /** The old pair of flags (a patience of 0 meant never); not together with --early-stopping. */
    private EarlyStopping earlyStopping() {
        if (mixee.commandLine().getParseResult().hasMatchedOption(EARLY_STOPPING)) {
            throw new ParameterException(mixee.commandLine(), "--early-stopping-patience and --early-stopping-min-delta: "
                    + "the old spelling of --early-stopping PATIENCE[:MIN_DELTA]; give one or the other");
        }
        if (patience == null) {
            throw new ParameterException(mixee.commandLine(), "--early-stopping-min-delta: needs a patience; "
                    + "use --early-stopping PATIENCE:MIN_DELTA");
        }
        if (patience == 0) {
            return null;
        }
        try {
            return new EarlyStopping(patience, minDelta == null ? 0 : minDelta);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(mixee.commandLine(), "--early-stopping-patience: " + e.getMessage());
        }
    }
}
