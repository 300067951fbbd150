package dev.fmnist.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.output.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What needs no broker: parsing, local validation with the trainer's rules, help and usage errors. */
class FmnistCliTest {

    @TempDir
    Path dir;

    @Test
    void dryRunBuildsTheRequestFromFlagsWithThePeersFieldNames() throws Exception {
        CapturedRun run = CapturedRun.of("submit", "--dry-run", "--id", "exp-1", "-a", "compare", "--sweep", "k=3,4,5",
                "--epochs", "2", "--learning-rate", "0.0005", "--no-shuffle", "--tag", "owner=me");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode request = Json.MAPPER.readTree(run.out());
        assertThat(request).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"exp-1","architecture":"compare","epochs":2,"learningRate":0.0005,"shuffle":false,
                 "sweep":{"parameter":"k","values":[3,4,5]},"tags":{"owner":"me"}}"""));
    }

    @Test
    void dryRunBuildsTheStrongerRecipeAndARandomSearchFromFlags() throws Exception {
        CapturedRun run = CapturedRun.of("submit", "--dry-run", "--id", "rs-1", "-a", "better-bn", "--epochs", "12",
                "--batch-size", "250", "--dropout", "0.3", "--crop-padding", "1", "--flip", "--validation-split", "5000",
                "--search", "learningRate=logUniform:0.001,0.01", "--search", "dropout=choice:0.2,0.3", "--trials", "8",
                "--search-seed", "4", "--median-stopping", "3:2", "--parallel-trials", "2");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(Json.MAPPER.readTree(run.out())).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"rs-1","architecture":"better-bn","epochs":12,"batchSize":250,"dropout":0.3,
                 "augmentation":{"cropPadding":1,"horizontalFlip":true},"validationSplit":5000,
                 "sweep":{"type":"random","trials":8,"seed":4,"space":{"learningRate":{"logUniform":[0.001,0.01]},
                   "dropout":{"choice":[0.2,0.3]}},"medianStopping":{"minTrials":3,"gracePeriod":2},"parallelTrials":2}}"""));

        CapturedRun noSplit = CapturedRun.of("submit", "--dry-run", "--search", "dropout=uniform:0,0.5", "--trials", "4");
        assertThat(noSplit.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(noSplit.err()).contains("validationSplit: a random search ranks its trials by validation accuracy");
        assertThat(CapturedRun.of("submit", "--dry-run", "--trials", "4").err()).contains("name what it draws with --search");
        assertThat(CapturedRun.of("submit", "--dry-run", "--search", "dropout=0.5").err())
                .contains("--search dropout: expected KIND:A,B,...");
    }

    @Test
    void aYamlFileIsReadAndFlagsOverrideIt() throws Exception {
        Path file = dir.resolve("experiment.yaml");
        Files.writeString(file, "architecture: better\nepochs: 10\nbatchSize: 500\ntags:\n  purpose: yaml\n");

        CapturedRun run = CapturedRun.of("submit", "--dry-run", "-f", file.toString(), "--epochs", "3");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode request = Json.MAPPER.readTree(run.out());
        assertThat(request.get("epochs").asInt()).isEqualTo(3);
        assertThat(request.get("batchSize").asInt()).isEqualTo(500);
        assertThat(request.get("tags").get("purpose").asText()).isEqualTo("yaml");
        assertThat(request.get("experimentId").asText()).as("generated, readable").matches("better-\\d{8}-\\d{6}-[0-9a-f]{4}");
    }

    @Test
    void invalidRequestsFailLocallyWithTheTrainersRuleAndExit2() {
        CapturedRun epochs = CapturedRun.of("submit", "--dry-run", "--epochs", "0");
        assertThat(epochs.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(epochs.err()).startsWith("fmnist: invalid request: epochs:").doesNotContain("\tat ");
        assertThat(epochs.err().lines().count()).isEqualTo(1);

        CapturedRun k = CapturedRun.of("submit", "--dry-run", "-a", "compare", "--sweep", "k=3,9");
        assertThat(k.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(k.err()).contains("sweep.values[1]");

        CapturedRun sweep = CapturedRun.of("submit", "--dry-run", "--sweep", "k");
        assertThat(sweep.err()).contains("--sweep: expected PARAM=V1,V2,...");
        assertThat(CapturedRun.of("submit", "--dry-run", "-f", dir.resolve("missing.json").toString()).err())
                .contains("missing.json: no such file");
    }

    @Test
    void unknownFlagsAndBadValuesAreUsageErrorsThatSayWhatToRun() {
        CapturedRun unknown = CapturedRun.of("list", "--bogus");
        assertThat(unknown.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.err()).contains("Unknown option: '--bogus'").contains("Run 'fmnist list --help' for usage.");

        CapturedRun value = CapturedRun.of("list", "--limit", "many");
        assertThat(value.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(value.err()).contains("--limit");

        assertThat(CapturedRun.of().exitCode()).isEqualTo(ExitCode.USAGE);
    }

    @Test
    void helpListsEveryVerbAndTheExitCodes() {
        CapturedRun help = CapturedRun.of("--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("submit", "watch", "list", "show", "cancel", "classify", "report", "models",
                "Exit status:");
        for (String verb : new String[] {"submit", "watch", "list", "show", "cancel", "classify", "report", "models"}) {
            assertThat(CapturedRun.of(verb, "--help").exitCode()).as(verb).isZero();
        }
    }

    @Test
    void anUnknownCommandIsAUsageErrorWhateverFlagsFollow() {
        for (String[] args : new String[][] {{"sumbit"}, {"sumbit", "--help"}, {"sumbit", "-h", "--epochs", "3"},
            {"sumbit", "--version"}}) {
            CapturedRun run = CapturedRun.of(args);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(run.out()).as("no help printed").isEmpty();
            assertThat(run.err()).contains("fmnist: unknown command 'sumbit'").contains("fmnist submit")
                    .contains("Run 'fmnist --help' for usage.");
        }
        CapturedRun extra = CapturedRun.of("list", "extra", "--help");
        assertThat(extra.exitCode()).as(extra.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(extra.err()).contains("'extra'").contains("Run 'fmnist list --help' for usage.");

        assertThat(CapturedRun.of("--help").exitCode()).isZero();
        assertThat(CapturedRun.of("submit", "--help").exitCode()).isZero();
        assertThat(CapturedRun.of("help", "submit").exitCode()).isZero();
    }

    // the timeout: a read or write that waited for a partition's leader as well (32 s more) fails the test
    @Test
    @Timeout(value = 25, unit = TimeUnit.SECONDS)
    void anUnreachableBrokerIsOneLineAndExit3WithinTheReachTimeout() {
        for (CapturedRun run : List.of( // a read, and a write
                CapturedRun.of("list", "--bootstrap-servers", "127.0.0.1:1", "--kafka-timeout", "2"),
                CapturedRun.of("submit", "-a", "mlp", "--bootstrap-servers", "127.0.0.1:1", "--kafka-timeout", "2"))) {
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
            assertThat(run.err()).startsWith("fmnist: cannot reach Kafka at 127.0.0.1:1 within 2 s").doesNotContain("\tat ");
            assertThat(run.err().lines().count()).isEqualTo(1);
        }
    }

    @Test
    void aKafkaTimeoutOutsideOneSecondToADayIsAUsageErrorNamingTheFlag() {
        for (String seconds : List.of("0", "86401", "2147470")) {
            CapturedRun run = CapturedRun.of("list", "--bootstrap-servers", "127.0.0.1:1", "--kafka-timeout", seconds);
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE);
            assertThat(run.err()).isEqualTo("fmnist: --kafka-timeout: must be 1 to 86400 seconds, got " + seconds + "\n");
        }
    }

    @Test
    void anUnreachableInferenceServiceIsOneLineAndExit3() throws Exception {
        Path png = dir.resolve("x.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(28, 28, java.awt.image.BufferedImage.TYPE_BYTE_GRAY),
                "png", png.toFile());
        CapturedRun run = CapturedRun.of("classify", png.toString(), "--target", "127.0.0.1:1", "--grpc-timeout", "3");
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.err()).startsWith("fmnist: inference service at 127.0.0.1:1: UNAVAILABLE").doesNotContain("\tat ");

        CapturedRun notAnImage = CapturedRun.of("classify", dir.resolve("x.png").getParent().resolve("nothing.png").toString());
        assertThat(notAnImage.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(notAnImage.err()).contains("nothing.png: no such file");
    }
}
