package dev.fmnist.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.experiments.ExperimentRequest;
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
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The local `train` command end to end on the real data (installed by .ci/run). */
class TrainCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return TrainerCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    @Test
    void trainsPrintsPeerCompatibleLinesAndWritesAVerifiedArtefact() throws IOException {
        Path artefact = dir.resolve("mlp.zip");

        int code = run("train", "-a", "mlp", "--epochs", "2", "--batch-size", "500", "--train-limit", "3000",
                "--seed", "7", "--threads", "2", "--out", artefact.toString());

        assertThat(code).as(err.toString()).isZero();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).hasSize(3);
        for (int epoch = 0; epoch < 2; epoch++) {
            JsonNode row = lines.get(epoch);
            assertThat(row.get("epoch").asInt()).isEqualTo(epoch);
            assertThat(row.get("train_seconds").asDouble()).isPositive();
            assertThat(row.get("loss").asDouble()).isPositive();
            assertThat(row.get("train_acc").asDouble()).isBetween(0.0, 1.0);
            assertThat(row.get("test_acc").asDouble()).isBetween(0.0, 1.0);
            assertThat(row.get("train_images").asInt()).isEqualTo(3000);
            assertThat(row.get("model").asText()).isEqualTo("mlp");
        }
        JsonNode last = lines.get(2);
        assertThat(last.get("final").asBoolean()).isTrue();
        assertThat(last.get("test_acc").asDouble()).isGreaterThan(0.6);
        assertThat(last.get("parameters").asLong()).isEqualTo(159_010);

        ModelArtefact decoded = ArtefactCodec.decode(Files.readAllBytes(artefact));
        assertThat(decoded.manifest().testAccuracy()).isEqualTo(last.get("test_acc").asDouble());
        assertThat(decoded.manifest().hyperParameters().seed()).isEqualTo(7);
        assertThat(decoded.manifest().version()).isEqualTo(last.get("version").asText());
    }

    @Test
    void theStrongerRecipesFlagsReachTheManifestAndTheCurvesArePlotted() throws IOException {
        Path artefact = dir.resolve("better-bn.zip");

        // the old spellings (--model, --limit, NONE) still work for one release
        int code = run("train", "--model", "better-bn", "--epochs", "1", "--batch-size", "250", "--limit", "1000",
                "--dropout", "0.3", "--crop-padding", "2", "--flip", "--label-smoothing", "0.1",
                "--train-accuracy", "NONE", "--threads", "2", "--out", artefact.toString());

        assertThat(code).as(err.toString()).isZero();
        ModelArtefact written = ArtefactCodec.decode(Files.readAllBytes(artefact));
        assertThat(written.manifest().architecture()).isEqualTo("better-bn");
        assertThat(written.manifest().hyperParameters().dropout()).isEqualTo(0.3);
        assertThat(written.manifest().hyperParameters().augmentation()).isEqualTo(new Augmentation(2, true));
        assertThat(written.manifest().parameterCount()).isEqualTo(2_345_770);

        Path lines = dir.resolve("better-bn.jsonl");
        Files.writeString(lines, out.toString());
        out.getBuffer().setLength(0);
        assertThat(run("forward", "--artefact", artefact.toString(), "--batch", "1,8", "--seconds", "0.2"))
                .as(err.toString()).isZero();
        List<JsonNode> timed = new ArrayList<>();
        for (String line : out.toString().split("\n")) {
            timed.add(JSON.readTree(line));
        }
        assertThat(timed).extracting(row -> row.get("batch").asInt()).containsExactly(1, 8);
        assertThat(timed).allSatisfy(row -> {
            assertThat(row.get("model").asText()).isEqualTo("better-bn");
            assertThat(row.get("images_per_second").asDouble()).isPositive();
            // trained with dropout and batch norm, exported, and the export agreed with the block
            assertThat(row.get("forward").asText()).isEqualTo("torchscript");
        });
        assertThat(run("forward", "--artefact", artefact.toString(), "--forward", "onnx")).isEqualTo(2);
        assertThat(err.toString()).contains("--forward: expected one of block, torchscript, got onnx");
        assertThat(TrainerCli.isLocalCommand("plot-epochs", "--help")).as("the jar runs it, not the service").isTrue();
        assertThat(TrainerCli.isLocalCommand()).isFalse();
        Path png = dir.resolve("curves.png");
        assertThat(run("plot-epochs", "--out", png.toString(), lines.toString())).as(err.toString()).isZero();
        assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
        assertThat(run("plot-epochs", "--field", "val_acc", "--out", png.toString(), lines.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no epoch lines with a numeric 'val_acc'");
    }

    @Test
    void badValuesNameTheFlagOrTheRequestField() {
        assertThat(run("train", "--architecture", "resnet")).as("a usage error").isEqualTo(2);
        assertThat(err.toString()).startsWith("Invalid value for option '--architecture': "
                + "unknown architecture 'resnet', expected one of mlp, baseline, compare, better, better-bn, speed-bn, deep-bn");

        err.getBuffer().setLength(0);
        assertThat(run("train", "--model", "resnet")).isEqualTo(2);
        assertThat(err.toString()).startsWith("Invalid value for option '--model': unknown architecture 'resnet'");

        err.getBuffer().setLength(0);
        assertThat(run("train", "-a", "compare", "-k", "9")).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: k: must be between 3 and 8");

        err.getBuffer().setLength(0);
        assertThat(run("train", "-a", "mlp", "-k", "3")).as("the request's rule: k is compare's").isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: k: does not apply to mlp; only compare takes k\n");

        err.getBuffer().setLength(0);
        assertThat(run("train", "--epochs", "0")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: epochs: must be between 1 and 1000, got 0\n");

        err.getBuffer().setLength(0);
        assertThat(run("train", "--early-stopping", "2", "--early-stopping-patience", "2")).isEqualTo(2);
        assertThat(err.toString()).contains("give one or the other");

        err.getBuffer().setLength(0);
        assertThat(run("train", "--early-stopping-min-delta", "0.1")).isEqualTo(2);
        assertThat(err.toString()).contains("--early-stopping-min-delta: needs a patience");
    }

    /** The recipe the flags give, without training: the command's mixins applied to a fresh request. */
    private static ExperimentRequest.Builder recipeOf(String... args) {
        TrainCommand command = new TrainCommand();
        new CommandLine(command).parseArgs(args);
        return command.request();
    }

    @Test
    void theSubmitSpellingsAndTheOldTrainSpellingsGiveTheSameRecipe() {
        ExperimentRequest.Builder current = recipeOf("-a", "compare", "-k", "4", "--epochs", "3", "--batch-size", "100",
                "--learning-rate", "0.02", "--optimizer", "sgd", "--momentum", "0.8", "--no-shuffle", "--seed", "9",
                "--train-limit", "2000", "--train-accuracy", "running", "--validation-split", "500", "--keep-best", "val",
                "--early-stopping", "2:0.005", "--lr-schedule", "onecycle", "--weight-decay", "0.01");
        ExperimentRequest.Builder old = recipeOf("--model", "compare", "--k", "4", "--epochs", "3", "--batch-size", "100",
                "--lr", "0.02", "--optimizer", "SGD", "--momentum", "0.8", "--no-shuffle", "--seed", "9",
                "--limit", "2000", "--train-accuracy", "RUNNING", "--validation-split", "500", "--keep-best", "VAL",
                "--early-stopping-patience", "2", "--early-stopping-min-delta", "0.005", "--lr-schedule", "ONECYCLE",
                "--weight-decay", "0.01");

        HyperParameters hp = current.hyperParameters();
        assertThat(old.hyperParameters()).isEqualTo(hp);
        assertThat(old.network()).isEqualTo(current.network()).isEqualTo(new NetworkSpec(Architecture.COMPARE, 4));
        assertThat(hp).isEqualTo(HyperParameters.builder().optEpochs(3).optBatchSize(100).optLearningRate(0.02)
                .optOptimizer(OptimizerKind.SGD).optMomentum(0.8).optShuffle(false).optSeed(9).optTrainLimit(2000)
                .optTrainAccuracy(TrainAccuracyMode.RUNNING).optValidationSplit(500).optKeepBest(KeepBest.VAL)
                .optEarlyStopping(new EarlyStopping(2, 0.005)).optLrSchedule(LearningRateSchedule.ONE_CYCLE)
                .optWeightDecay(0.01).build());
        assertThat(recipeOf("--validation-split", "500", "--early-stopping-patience", "0").hyperParameters()
                .earlyStopping()).as("a patience of 0 was the old 'never'").isNull();
        assertThat(recipeOf().hyperParameters()).as("no flags: the seed's recipe").isEqualTo(HyperParameters.defaults());
        assertThat(recipeOf().network()).isEqualTo(NetworkSpec.of(Architecture.BETTER));

        StringWriter help = new StringWriter();
        new CommandLine(new TrainCommand()).usage(new PrintWriter(help));
        assertThat(help.toString()).contains("--architecture=NAME", "--learning-rate=LR", "--train-limit=N",
                "--early-stopping=PATIENCE[:MIN_DELTA]", "--threads", "--init", "--data-dir", "--out")
                .doesNotContain("--model", "--lr=", "--limit=", "--early-stopping-patience");
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        assertThat(run("train", "--epocs", "3")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--epocs'").contains("Possible solutions: --epochs");
    }
}
