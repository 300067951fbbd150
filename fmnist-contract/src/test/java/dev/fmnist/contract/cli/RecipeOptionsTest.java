package dev.fmnist.contract.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.ExtraData;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** The recipe's flags on a command of the test's own: what each sets, and what a flag left out leaves alone. */
class RecipeOptionsTest {

    @Command(name = "recipe")
    static final class RecipeCommand {
        @Mixin
        RecipeOptions recipe;
    }

    private static ExperimentRequest.Builder applied(ExperimentRequest.Builder start, String... args) {
        RecipeCommand command = new RecipeCommand();
        new CommandLine(command).parseArgs(args);
        return command.recipe.applyTo(start);
    }

    @Test
    void theArchitectureHelpListsEveryRegistryNetwork() {
        String usage = new CommandLine(new RecipeCommand()).setUsageHelpWidth(400).getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertThat(usage).contains(Architecture.ids() + " (default: better)");
    }

    @Test
    void noFlagsLeaveTheBuilderAsItWas() {
        ExperimentRequest.Builder start = ExperimentRequest.builder().optExperimentId("a").optArchitecture(Architecture.MLP);
        start.recipe().optEpochs(3).optHorizontalFlip(true);

        ExperimentRequest request = applied(start).build();

        assertThat(request.network().architecture()).isEqualTo(Architecture.MLP);
        assertThat(request.hyperParameters()).isEqualTo(HyperParameters.builder().optEpochs(3).optHorizontalFlip(true).build());
    }

    @Test
    void theFlagsGivenSetTheirOptionsAndOnlyThose() {
        ExperimentRequest.Builder start = ExperimentRequest.builder().optExperimentId("a");
        start.recipe().optEpochs(3).optHorizontalFlip(true).optValidationSplit(500);

        HyperParameters hp = applied(start, "--crop-padding", "1", "--lr-schedule", "COSINE", "--train-accuracy",
                "evaluation_pass", "--early-stopping", "2").hyperParameters();

        assertThat(hp).isEqualTo(HyperParameters.builder().optEpochs(3).optHorizontalFlip(true).optCropPadding(1)
                .optValidationSplit(500).optLrSchedule(LearningRateSchedule.COSINE)
                .optTrainAccuracy(TrainAccuracyMode.EVALUATION_PASS).optEarlyStopping(new EarlyStopping(2, 0)).build());
    }

    @Test
    void extraDataIsMadeAbsoluteAndNormalisedWhereTheCommandRuns() {
        ExperimentRequest.Builder start = ExperimentRequest.builder().optExperimentId("a");

        HyperParameters hp = applied(start, "--extra-data", "mine/./export/").hyperParameters();

        assertThat(hp.extraData()).isEqualTo(new ExtraData(Path.of("mine/export").toAbsolutePath().toString()));
        assertThat(applied(ExperimentRequest.builder().optExperimentId("b"), "--extra-data", "/data/mine")
                .hyperParameters().extraData()).isEqualTo(new ExtraData("/data/mine"));
    }

    @Test
    void photoAugmentIsNegatableAndLeavesTheCropAndFlipAsTheyWere() {
        ExperimentRequest.Builder start = ExperimentRequest.builder().optExperimentId("a");
        start.recipe().optHorizontalFlip(true).optCropPadding(2);

        HyperParameters on = applied(start, "--photo-augment").hyperParameters();
        assertThat(on.augmentation()).isEqualTo(new Augmentation(2, true, true));
        HyperParameters off = applied(start, "--no-photo-augment").hyperParameters();
        assertThat(off.augmentation()).isEqualTo(new Augmentation(2, true, false));
    }

    @Test
    void testTimeFlipIsNegatableAndLeavesTheTrainingChangesAsTheyWere() {
        ExperimentRequest.Builder start = ExperimentRequest.builder().optExperimentId("a");
        start.recipe().optHorizontalFlip(true).optCropPadding(2).optPhotoAugmentation(true);

        HyperParameters on = applied(start, "--test-time-flip").hyperParameters();
        assertThat(on.augmentation()).isEqualTo(new Augmentation(2, true, true, true));
        start.recipe().optTestTimeFlip(true);
        HyperParameters off = applied(start, "--no-test-time-flip").hyperParameters();
        assertThat(off.augmentation()).isEqualTo(new Augmentation(2, true, true, false));
    }

    @Test
    void theOldTrainSpellingsAreNotTheMixinsSoACommandWithOnlyItRefusesThem() {
        for (String[] old : new String[][] {{"--model", "compare"}, {"--k", "6"}, {"--lr", "0.02"}, {"--limit", "2000"},
            {"--early-stopping-patience", "4"}, {"--early-stopping-min-delta", "0.01"}}) {
            assertThatThrownBy(() -> applied(ExperimentRequest.builder(), old)).as(old[0])
                    .isInstanceOf(UnmatchedArgumentException.class).hasMessageContaining("'" + old[0] + "'");
        }
    }

    @Test
    void badValuesAreRefusedNamingTheFlag() {
        assertThatThrownBy(() -> applied(ExperimentRequest.builder(), "--optimizer", "rmsprop"))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining("'--optimizer'").hasMessageContaining("expected one of adam, sgd");
        assertThatThrownBy(() -> applied(ExperimentRequest.builder(), "--early-stopping", "1:2:3"))
                .isInstanceOf(ParameterException.class)
                .hasMessageContaining("'--early-stopping'").hasMessageContaining("expected PATIENCE[:MIN_DELTA]");
        assertThatThrownBy(() -> RecipeOptions.colonPair("3:", "A[:B]")).hasMessage("expected A[:B], got '3:'");
        assertThat(RecipeOptions.colonPair(" 3 : 0.1 ", "A[:B]")).containsExactly("3", "0.1");
    }
}
