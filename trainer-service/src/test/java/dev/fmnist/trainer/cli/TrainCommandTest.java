package dev.fmnist.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.training.Augmentation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

        int code = run("train", "--model", "mlp", "--epochs", "2", "--batch-size", "500", "--limit", "3000",
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
        });
        assertThat(TrainerCli.isLocalCommand("plot-epochs", "--help")).as("the jar runs it, not the service").isTrue();
        assertThat(TrainerCli.isLocalCommand()).isFalse();
        Path png = dir.resolve("curves.png");
        assertThat(run("plot-epochs", "--out", png.toString(), lines.toString())).as(err.toString()).isZero();
        assertThat(Files.readAllBytes(png)).startsWith(0x89, 'P', 'N', 'G');
        assertThat(run("plot-epochs", "--field", "val_acc", "--out", png.toString(), lines.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("no epoch lines with a numeric 'val_acc'");
    }

    @Test
    void badValuesGiveOneLineNamingTheProblem() {
        assertThat(run("train", "--model", "resnet")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo(
                "error: unknown architecture 'resnet', expected one of mlp, baseline, compare, better, better-bn\n");

        err.getBuffer().setLength(0);
        assertThat(run("train", "--model", "compare", "--k", "9")).isEqualTo(1);
        assertThat(err.toString()).startsWith("error: k: must be between 3 and 8");

        err.getBuffer().setLength(0);
        assertThat(run("train", "--epochs", "0")).isEqualTo(1);
        assertThat(err.toString()).isEqualTo("error: epochs: must be between 1 and 1000, got 0\n");
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        assertThat(run("train", "--epocs", "3")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--epocs'").contains("Possible solutions: --epochs");
    }
}
