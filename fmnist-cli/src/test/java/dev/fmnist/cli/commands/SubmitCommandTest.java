package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.NamedRecipe;
import dev.fmnist.contract.fields.RequestFields;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestWriter;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.ExtraData;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code fmnist submit --dry-run}: flags and files to the request the writer writes; no broker is needed. */
class SubmitCommandTest {

    @TempDir
    Path dir;

    private static CapturedRun dryRun(String... args) {
        List<String> all = new ArrayList<>(List.of("submit", "--dry-run"));
        all.addAll(List.of(args));
        return CapturedRun.of(all.toArray(String[]::new));
    }

    private static JsonNode requestOf(CapturedRun run) throws Exception {
        assertThat(run.exitCode()).as(run.toString()).isZero();
        return Json.MAPPER.readTree(run.out());
    }

    private static ExperimentRequest parsed(CapturedRun run) {
        return new RequestParser().parse(run.out().getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyRecipeFlagReachesItsRequestField() throws Exception {
        CapturedRun run = dryRun("--id", "all-1", "-a", "compare", "-k", "3", "--epochs", "4", "--batch-size", "200",
                "--learning-rate", "0.01", "--optimizer", "SGD", "--momentum", "0.5", "--no-shuffle", "--seed", "7",
                "--train-limit", "6000", "--weight-decay", "0.05", "--lr-schedule", "OneCycle", "--label-smoothing", "0.1",
                "--train-accuracy", "running", "--dropout", "0.2", "--crop-padding", "2", "--flip",
                "--validation-split", "1000", "--keep-best", "VAL", "--early-stopping", "3:0.001", "--tag", "owner=me",
                "--extra-data", "/srv/fmnist/extra-data/mine");

        JsonNode request = requestOf(run);
        assertThat(request).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"all-1","architecture":"compare","k":3,"epochs":4,"batchSize":200,"learningRate":0.01,
                 "optimizer":"sgd","momentum":0.5,"shuffle":false,"seed":7,"trainLimit":6000,"validationSplit":1000,
                 "keepBest":"val","earlyStopping":{"patience":3,"minDelta":0.001},"weightDecay":0.05,
                 "lrSchedule":"onecycle","labelSmoothing":0.1,"dropout":0.2,
                 "augmentation":{"cropPadding":2,"horizontalFlip":true},"trainAccuracy":"running",
                 "extraData":{"path":"/srv/fmnist/extra-data/mine"},"tags":{"owner":"me"}}"""));
        Set<String> written = new HashSet<>();
        request.fieldNames().forEachRemaining(written::add);
        assertThat(written).as("a flag for every request field but the sweep's (--sweep, --search) and the named"
                        + " recipe's, which is written as its values")
                .containsExactlyInAnyOrderElementsOf(RequestFields.TOP_LEVEL.stream()
                        .filter(field -> !field.equals(RequestFields.SWEEP) && !field.equals(RequestFields.RECIPE)).toList());

        HyperParameters hp = parsed(run).hyperParameters();
        assertThat(hp).isEqualTo(HyperParameters.builder().optEpochs(4).optBatchSize(200).optLearningRate(0.01)
                .optOptimizer(OptimizerKind.SGD).optMomentum(0.5).optShuffle(false).optSeed(7).optTrainLimit(6000)
                .optWeightDecay(0.05).optLrSchedule(LearningRateSchedule.ONE_CYCLE).optLabelSmoothing(0.1)
                .optTrainAccuracy(TrainAccuracyMode.RUNNING).optDropout(0.2).optAugmentation(new Augmentation(2, true))
                .optValidationSplit(1000).optKeepBest(KeepBest.VAL).optEarlyStopping(new EarlyStopping(3, 0.001))
                .optExtraData(new ExtraData("/srv/fmnist/extra-data/mine")).build());
    }

    @Test
    void aNamedRecipeIsWrittenAsItsValuesAndTheOtherFlagsChangeIt() throws Exception {
        CapturedRun run = dryRun("--id", "fast-1", "--recipe", "speedrun", "--seed", "3", "--epochs", "7");
        assertThat(requestOf(run)).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"fast-1","architecture":"speed-bn","epochs":7,"batchSize":250,"learningRate":0.008,
                 "seed":3,"weightDecay":0.05,"lrSchedule":"onecycle","labelSmoothing":0.1,
                 "augmentation":{"cropPadding":0,"horizontalFlip":true,"testTimeFlip":true},"trainAccuracy":"none"}"""));
        assertThat(parsed(run).hyperParameters())
                .isEqualTo(NamedRecipe.SPEEDRUN.hyperParameters().optSeed(3).optEpochs(7).build());

        CapturedRun unknown = dryRun("--recipe", "fastest");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("recipe: must be one of seed, speedrun, speedrun-deep, got \"fastest\"");
    }

    @Test
    void theSeedsRecipeIsTheIdAndTheArchitectureAloneAndAGeneratedIdIsReadable() throws Exception {
        assertThat(requestOf(dryRun("--id", "seed-1"))).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"seed-1","architecture":"better"}"""));
        JsonNode generated = requestOf(dryRun("-a", "better-bn"));
        assertThat(generated.get("experimentId").asText()).matches("betterbn-\\d{8}-\\d{6}-[0-9a-f]{4}");
    }

    @Test
    void aGridAndARandomSearchAreWrittenAsTheParserReadsThem() throws Exception {
        CapturedRun grid = dryRun("--id", "g-1", "-a", "compare", "--sweep", "k=3,4,5", "--parallel-trials", "2");
        assertThat(requestOf(grid)).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"g-1","architecture":"compare","sweep":{"parameter":"k","values":[3,4,5],"parallelTrials":2}}"""));
        assertThat(parsed(grid).sweep().parallelTrials()).as("a grid's limit is kept, not dropped").isEqualTo(2);
        assertThat(parsed(grid).children()).extracting(ExperimentRequest::experimentId)
                .containsExactly("g-1/k=3", "g-1/k=4", "g-1/k=5");

        CapturedRun search = dryRun("--id", "rs-1", "-a", "mlp", "--validation-split", "500",
                "--search", "learningRate=logUniform:0.001,0.01", "--search", "dropout=choice:0.2,0.3", "--trials", "3",
                "--search-seed", "4", "--median-stopping", "2:2");
        assertThat(requestOf(search)).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"rs-1","architecture":"mlp","validationSplit":500,
                 "sweep":{"type":"random","trials":3,"seed":4,"space":{"dropout":{"choice":[0.2,0.3]},
                   "learningRate":{"logUniform":[0.001,0.01]}},"medianStopping":{"minTrials":2,"gracePeriod":2}}}"""));
        assertThat(parsed(search).children()).extracting(ExperimentRequest::experimentId)
                .containsExactly("rs-1/trial=0", "rs-1/trial=1", "rs-1/trial=2");
    }

    @Test
    void aFilesFieldsAreReadAndTheFlagsGivenOverrideThem() throws Exception {
        Path file = dir.resolve("experiment.json");
        Files.writeString(file, """
                {"experimentId":"from-file","architecture":"better-bn","epochs":10,"batchSize":500,
                 "validationSplit":5000,"earlyStopping":{"patience":2},
                 "augmentation":{"cropPadding":2,"horizontalFlip":true},"tags":{"a":"1"},
                 "sweep":{"parameter":"learningRate","values":[0.001,0.003]}}""");

        CapturedRun run = dryRun("-f", file.toString(), "--epochs", "3", "--no-flip", "--tag", "b=2", "--id", "flagged");

        assertThat(requestOf(run)).isEqualTo(Json.MAPPER.readTree("""
                {"experimentId":"flagged","architecture":"better-bn","epochs":3,"batchSize":500,"validationSplit":5000,
                 "earlyStopping":{"patience":2,"minDelta":0.0},"augmentation":{"cropPadding":2,"horizontalFlip":false},
                 "tags":{"a":"1","b":"2"},"sweep":{"parameter":"learningRate","values":[0.001,0.003]}}"""));

        Path yaml = dir.resolve("experiment.yaml");
        Files.writeString(yaml, "k: 3\nepochs: 2\n");
        JsonNode merged = requestOf(dryRun("-f", yaml.toString(), "-a", "compare", "--id", "y-1"));
        assertThat(merged).as("the rules are checked on the merged request: k needs the flag's architecture")
                .isEqualTo(Json.MAPPER.readTree("""
                        {"experimentId":"y-1","architecture":"compare","k":3,"epochs":2}"""));
    }

    @Test
    void aFilesUnknownOrInvalidFieldIsRefusedByName() throws Exception {
        Path unknown = dir.resolve("unknown.json");
        Files.writeString(unknown, "{\"epocs\": 3}");
        assertThat(refusal(dryRun("-f", unknown.toString()))).startsWith("fmnist: invalid request: epocs: is not a known field");

        Path wrongType = dir.resolve("wrong.yaml");
        Files.writeString(wrongType, "epochs: ten\n");
        assertThat(refusal(dryRun("-f", wrongType.toString())))
                .isEqualTo("fmnist: invalid request: epochs: must be a whole number, got \"ten\"\n");

        Path mlpWithK = dir.resolve("mlp.json");
        Files.writeString(mlpWithK, "{\"architecture\": \"mlp\", \"k\": 3}");
        assertThat(refusal(dryRun("-f", mlpWithK.toString()))).contains("k: does not apply to mlp");

        Path list = dir.resolve("list.json");
        Files.writeString(list, "[1, 2]");
        assertThat(refusal(dryRun("-f", list.toString()))).contains("expected an object of request fields");
        assertThat(refusal(dryRun("-f", dir.resolve("missing.json").toString()))).contains("missing.json: no such file");
    }

    static Stream<Arguments> refusals() {
        String search = "dropout=uniform:0,0.5";
        return Stream.of(
                Arguments.of(List.of("--epochs", "0"), "invalid request: epochs: must be between 1 and 1000, got 0"),
                Arguments.of(List.of("-a", "resnet"), "Invalid value for option '--architecture': unknown architecture 'resnet'"),
                Arguments.of(List.of("--optimizer", "rmsprop"), "Invalid value for option '--optimizer': optimizer: unknown 'rmsprop'"),
                Arguments.of(List.of("--lr-schedule", "linear"), "Invalid value for option '--lr-schedule'"),
                Arguments.of(List.of("--train-accuracy", "sometimes"), "Invalid value for option '--train-accuracy'"),
                Arguments.of(List.of("--keep-best", "best"), "Invalid value for option '--keep-best'"),
                Arguments.of(List.of("--learning-rate", "fast"), "'--learning-rate'"),
                Arguments.of(List.of("--learning-rate", "20"), "invalid request: learningRate: must be in (0, 10.0]"),
                Arguments.of(List.of("--crop-padding", "8"), "invalid request: augmentation.cropPadding: must be between 0"),
                Arguments.of(List.of("--early-stopping", "3:x"), "Invalid value for option '--early-stopping': expected PATIENCE[:MIN_DELTA]"),
                Arguments.of(List.of("--early-stopping", "0"), "earlyStopping.patience: must be between 1 and 100"),
                Arguments.of(List.of("--early-stopping", "3"), "invalid request: earlyStopping: needs a validationSplit"),
                Arguments.of(List.of("-a", "mlp", "-k", "3"), "invalid request: k: does not apply to mlp"),
                Arguments.of(List.of("-a", "compare", "-k", "9"), "invalid request: k: must be between 3 and 8"),
                Arguments.of(List.of("--id", "has space"), "invalid request: experimentId: must be 1-128 characters"),
                Arguments.of(List.of("--tag", "note=" + "x".repeat(300)), "invalid request: tags.note: must be a string of at most 256"),
                Arguments.of(List.of("--sweep", "k"), "--sweep: expected PARAM=V1,V2,..."),
                Arguments.of(List.of("--sweep", "batchSize=100,x"), "--sweep: 'x' is not a number"),
                Arguments.of(List.of("--sweep", "dropout=0.1"), "invalid request: sweep.parameter: must be one of [k, learningRate, batchSize]"),
                Arguments.of(List.of("-a", "compare", "--sweep", "k=3,9"), "invalid request: sweep.values[1]: k: must be between 3 and 8"),
                Arguments.of(List.of("--search", search), "--trials: a random search needs it"),
                Arguments.of(List.of("--search", search, "--trials", "4"), "invalid request: validationSplit: a random search ranks"),
                Arguments.of(List.of("--search", "dropout=normal:0,1", "--trials", "4", "--validation-split", "500"),
                        "--search dropout: must be one of [uniform, logUniform, choice]"),
                Arguments.of(List.of("--search", "dropout=0.5", "--trials", "4"), "--search dropout: expected KIND:A,B,..."),
                Arguments.of(List.of("--search", "epochs=choice:1,2", "--trials", "4", "--validation-split", "500"),
                        "invalid request: sweep.space.epochs: is not searchable"),
                Arguments.of(List.of("--search", search, "--trials", "4", "--validation-split", "500", "--median-stopping", "x"),
                        "--median-stopping: expected MIN_TRIALS[:GRACE]"),
                Arguments.of(List.of("--search", search, "--trials", "4", "--validation-split", "500", "--median-stopping", "4"),
                        "invalid request: sweep.medianStopping.minTrials: must be below trials (4)"),
                Arguments.of(List.of("--trials", "4"), "name what it draws with --search"),
                Arguments.of(List.of("--sweep", "k=3", "--search", search, "--trials", "2"), "a grid or a random search, not both"),
                Arguments.of(List.of("--parallel-trials", "2"), "--parallel-trials: needs a sweep"),
                Arguments.of(List.of("-a", "compare", "--sweep", "k=3,4", "--parallel-trials", "0"),
                        "invalid request: sweep.parallelTrials: must be between 1 and 100"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void everyRefusalIsAUsageErrorNamingTheFlagOrTheField(List<String> args, String expected) {
        assertThat(refusal(dryRun(args.toArray(String[]::new)))).contains(expected).doesNotContain("\tat ");
    }

    private static String refusal(CapturedRun run) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(run.out()).isEmpty();
        return run.err();
    }

    @Test
    void theOldTrainSpellingsAreTrainsAloneSoSubmitRefusesThemAsUnknown() throws Exception {
        for (List<String> old : List.of(List.of("--model", "compare"), List.of("--k", "4"), List.of("--lr", "0.01"),
                List.of("--limit", "3000"), List.of("--early-stopping-patience", "2"),
                List.of("--early-stopping-min-delta", "0.01"))) {
            assertThat(refusal(dryRun("--id", "a-1", old.get(0), old.get(1)))).as(old.get(0))
                    .contains("Unknown option", "'" + old.get(0) + "'");
        }
        JsonNode current = requestOf(dryRun("--id", "a-1", "-a", "compare", "-k", "4", "--learning-rate", "0.01",
                "--train-limit", "3000", "--validation-split", "500", "--early-stopping", "2:0.01",
                "--train-accuracy", "EVALUATION_PASS", "--optimizer", "SGD"));
        assertThat(current.get("earlyStopping").get("patience").asInt()).isEqualTo(2);
        assertThat(current.get("trainLimit").asInt()).isEqualTo(3000);
        assertThat(current.get("trainAccuracy")).as("the seed's evaluation pass, the default, is not written").isNull();

        String help = CapturedRun.of("submit", "--help").out();
        assertThat(help).contains("--architecture=NAME", "--learning-rate=LR", "--train-limit=N",
                "--early-stopping=PATIENCE[:MIN_DELTA]", "--[no-]shuffle", "--[no-]flip");
        assertThat(help).doesNotContain("--model", "--lr=", "--limit=", "--k=", "--early-stopping-patience",
                "--early-stopping-min-delta");
    }

    @Test
    void theDryRunPrintsWhatTheWriterWritesForTheRequestItChecked() throws Exception {
        CapturedRun run = dryRun("--id", "w-1", "-a", "better-bn", "--epochs", "2", "--dropout", "0.3", "--flip");
        ExperimentRequest request = parsed(run);
        assertThat(request.network().architecture()).isEqualTo(Architecture.BETTER_BN);
        assertThat(requestOf(run)).isEqualTo(RequestWriter.toJson(request));
    }
}
