package dev.fmnist.contract.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestParserTest {

    private final RequestParser parser = new RequestParser(() -> "generated-1");

    private ExperimentRequest parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anEmptyObjectIsTheSeedsBetterNetRecipeWithAGeneratedId() {
        ExperimentRequest request = parse("{}");
        assertThat(request.experimentId()).isEqualTo("generated-1");
        assertThat(request.network().architecture()).isEqualTo(Architecture.BETTER);
        assertThat(request.hyperParameters().epochs()).isEqualTo(10);
        assertThat(request.hyperParameters().batchSize()).isEqualTo(1000);
        assertThat(request.hyperParameters().learningRate()).isEqualTo(0.001);
        assertThat(request.hyperParameters().optimizer()).isEqualTo(OptimizerKind.ADAM);
        assertThat(request.isSweep()).isFalse();
    }

    @Test
    void aNamedRecipeSetsItsNetworkAndHyperParametersAndTheOtherFieldsChangeThem() {
        ExperimentRequest speedrun = parse("{\"recipe\":\"speedrun\"}");
        assertThat(speedrun.network().architecture()).isEqualTo(Architecture.SPEED_BN);
        assertThat(speedrun.hyperParameters()).isEqualTo(NamedRecipe.SPEEDRUN.hyperParameters().build());
        assertThat(speedrun.hyperParameters()).satisfies(hp -> {
            assertThat(hp.epochs()).isEqualTo(6);
            assertThat(hp.batchSize()).isEqualTo(250);
            assertThat(hp.learningRate()).isEqualTo(0.008);
            assertThat(hp.lrSchedule()).isEqualTo(LearningRateSchedule.ONE_CYCLE);
            assertThat(hp.augmentation().horizontalFlip()).isTrue();
            assertThat(hp.augmentation().testTimeFlip()).isTrue();
            assertThat(hp.trainAccuracy()).isEqualTo(TrainAccuracyMode.NONE);
        });

        // speedrun-deep: speedrun's hyper-parameters for 15 epochs of deep-bn, at the rate it was measured with, no flips
        ExperimentRequest longer = parse("{\"recipe\":\"speedrun-deep\"}");
        assertThat(longer.network().architecture()).isEqualTo(Architecture.DEEP_BN);
        assertThat(longer.hyperParameters()).isEqualTo(NamedRecipe.SPEEDRUN.hyperParameters().optEpochs(15)
                .optLearningRate(0.012).optTestTimeFlip(false).build());

        // whatever the order of the fields, the others change the recipe
        ExperimentRequest changed = parse("{\"seed\":3,\"epochs\":7,\"recipe\":\"SpeedRun\",\"architecture\":\"better-bn\"}");
        assertThat(changed.network().architecture()).isEqualTo(Architecture.BETTER_BN);
        assertThat(changed.hyperParameters()).isEqualTo(NamedRecipe.SPEEDRUN.hyperParameters().optSeed(3).optEpochs(7).build());

        // a sweep's children are the recipe's, each with its value
        List<ExperimentRequest> children = parse("{\"experimentId\":\"fast\",\"recipe\":\"speedrun\","
                + "\"sweep\":{\"parameter\":\"learningRate\",\"values\":[0.004,0.012]}}").children();
        assertThat(children).extracting(child -> child.network().architecture()).containsOnly(Architecture.SPEED_BN);
        assertThat(children).extracting(ExperimentRequest::hyperParameters).containsExactly(
                NamedRecipe.SPEEDRUN.hyperParameters().optLearningRate(0.004).build(),
                NamedRecipe.SPEEDRUN.hyperParameters().optLearningRate(0.012).build());

        // an augmentation object changes the parts it names and keeps the recipe's others
        assertThat(parse("{\"recipe\":\"speedrun\",\"augmentation\":{\"cropPadding\":2}}").hyperParameters().augmentation())
                .isEqualTo(new Augmentation(2, true, false, true));
        assertThat(parse("{\"recipe\":\"speedrun\",\"augmentation\":{\"horizontalFlip\":false}}").hyperParameters()
                .augmentation().isEnabled()).isFalse();

        assertThat(parse("{\"recipe\":\"seed\"}").hyperParameters()).isEqualTo(parse("{}").hyperParameters());
        assertThat(parse("{\"recipe\":\"seed\"}").network()).isEqualTo(parse("{}").network());
    }

    @Test
    void everyFieldIsRead() {
        ExperimentRequest request = parse("{\"experimentId\":\"exp-7\",\"architecture\":\"compare\",\"k\":3,"
                + "\"epochs\":2,\"batchSize\":100,\"learningRate\":0.01,\"optimizer\":\"sgd\",\"momentum\":0.5,"
                + "\"shuffle\":false,\"seed\":42,\"trainLimit\":2000,\"tags\":{\"owner\":\"ana\"}}");
        assertThat(request.experimentId()).isEqualTo("exp-7");
        assertThat(request.network().label()).isEqualTo("compare(k=3)");
        assertThat(request.hyperParameters()).satisfies(hp -> {
            assertThat(hp.epochs()).isEqualTo(2);
            assertThat(hp.batchSize()).isEqualTo(100);
            assertThat(hp.learningRate()).isEqualTo(0.01);
            assertThat(hp.optimizer()).isEqualTo(OptimizerKind.SGD);
            assertThat(hp.momentum()).isEqualTo(0.5);
            assertThat(hp.shuffle()).isFalse();
            assertThat(hp.seed()).isEqualTo(42);
            assertThat(hp.trainLimit()).isEqualTo(2000);
        });
        assertThat(request.tags()).containsEntry("owner", "ana");

        HyperParameters validated = parse("{\"validationSplit\":5000,\"keepBest\":\"val\","
                + "\"earlyStopping\":{\"patience\":3,\"minDelta\":0.001}}").hyperParameters();
        assertThat(validated.validationSplit()).isEqualTo(5000);
        assertThat(validated.keepBest()).isEqualTo(KeepBest.VAL);
        assertThat(validated.earlyStopping()).isEqualTo(new EarlyStopping(3, 0.001));
        HyperParameters seed = parse("{}").hyperParameters();
        assertThat(seed.validationSplit()).as("the seed's recipe: no split").isZero();
        assertThat(seed.keepBest()).isEqualTo(KeepBest.LAST);
        assertThat(seed.earlyStopping()).isNull();
        assertThat(seed.weightDecay()).isZero();
        assertThat(seed.lrSchedule()).isEqualTo(LearningRateSchedule.CONSTANT);
        HyperParameters modern = parse("{\"weightDecay\":0.05,\"lrSchedule\":\"onecycle\"}").hyperParameters();
        assertThat(modern.weightDecay()).isEqualTo(0.05);
        assertThat(modern.lrSchedule()).isEqualTo(LearningRateSchedule.ONE_CYCLE);
        assertThat(parse("{\"labelSmoothing\":0.1}").hyperParameters().labelSmoothing()).isEqualTo(0.1);
        assertThat(seed.labelSmoothing()).isZero();
        HyperParameters regularised = parse("{\"architecture\":\"better-bn\",\"dropout\":0.3,"
                + "\"augmentation\":{\"cropPadding\":2,\"horizontalFlip\":true}}").hyperParameters();
        assertThat(regularised.dropout()).isEqualTo(0.3);
        assertThat(regularised.augmentation()).isEqualTo(new Augmentation(2, true));
        assertThat(parse("{\"augmentation\":{\"horizontalFlip\":true}}").hyperParameters().augmentation())
                .isEqualTo(new Augmentation(0, true));
        Augmentation photo = parse("{\"augmentation\":{\"photo\":true,\"cropPadding\":1}}").hyperParameters().augmentation();
        assertThat(photo).isEqualTo(new Augmentation(1, false, true));
        assertThat(photo.isEnabled()).isTrue();
        assertThat(new Augmentation(0, false, true).isEnabled()).as("photo alone changes the images").isTrue();
        assertThat(regularised.augmentation().photo()).as("absent: off").isFalse();
        Augmentation testTime = parse("{\"augmentation\":{\"testTimeFlip\":true}}").hyperParameters().augmentation();
        assertThat(testTime).isEqualTo(new Augmentation(0, false, false, true));
        assertThat(testTime.isEnabled()).as("test-time flips change no training image").isFalse();
        assertThat(regularised.augmentation().testTimeFlip()).as("absent: off").isFalse();
        assertThat(seed.dropout()).isZero();
        assertThat(seed.augmentation()).isEqualTo(Augmentation.NONE);
        assertThat(seed.augmentation().isEnabled()).isFalse();
        assertThat(seed.trainAccuracy()).isEqualTo(TrainAccuracyMode.EVALUATION_PASS);
        assertThat(parse("{\"trainAccuracy\":\"none\"}").hyperParameters().trainAccuracy()).isEqualTo(TrainAccuracyMode.NONE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"architecture\": \"mlp\", | $ | not valid JSON",
        "[1, 2] | $ | must be a JSON object",
        "{\"architecture\": \"resnet\"} | architecture | unknown architecture 'resnet'",
        "{\"architecture\": 7} | architecture | must be a string, got 7",
        "{\"architecture\": \"compare\", \"k\": 9} | k | must be between 3 and 8",
        "{\"architecture\": \"mlp\", \"k\": 3} | k | does not apply to mlp; only compare takes k",
        "{\"k\": 5} | k | does not apply to better; only compare takes k",
        "{\"recipe\": \"fastest\"} | recipe | must be one of seed, speedrun, speedrun-deep, got \"fastest\"",
        "{\"recipe\": 1} | recipe | must be a string",
        "{\"recipe\": \"speedrun\", \"k\": 3} | k | does not apply to speed-bn",
        "{\"recipe\": \"speedrun\", \"trainLimit\": 200} | batchSize | must not exceed trainLimit (200), got 250",
        "{\"architecture\": \"baseline\", \"sweep\": {\"parameter\": \"k\", \"values\": [3, 4]}} | sweep.parameter | k does not apply to baseline",
        "{\"epochs\": 5000} | epochs | must be between 1 and 1000, got 5000",
        "{\"epochs\": \"ten\"} | epochs | must be a whole number, got \"ten\"",
        "{\"epochs\": 2.5} | epochs | must be a whole number, got 2.5",
        "{\"batchSize\": 0} | batchSize | must be between 1 and 60000, got 0",
        "{\"batchSize\": 1000, \"trainLimit\": 500} | batchSize | must not exceed trainLimit (500), got 1000",
        "{\"learningRate\": -1} | learningRate | must be in (0, 10.0], got -1.0",
        "{\"optimizer\": \"rmsprop\"} | optimizer | unknown 'rmsprop'",
        "{\"shuffle\": \"yes\"} | shuffle | must be true or false",
        "{\"epochz\": 3} | epochz | is not a known field",
        "{\"experimentId\": \"has space\"} | experimentId | must be 1-128 characters",
        "{\"tags\": {\"a\": 1}} | tags.a | must be a string",
        "{\"sweep\": {\"parameter\": \"dropout\", \"values\": [1]}} | sweep.parameter | must be one of [k, learningRate, batchSize]",
        "{\"sweep\": {\"parameter\": \"k\", \"values\": []}} | sweep.values | must be an array of 1 to 20 numbers",
        "{\"architecture\": \"compare\", \"sweep\": {\"parameter\": \"k\", \"values\": [3, 12]}} | sweep.values[1] | must be between 3 and 8",
        "{\"sweep\": {\"parameter\": \"batchSize\", \"values\": [100, 0.5]}} | sweep.values[1] | must be a whole number",
        "{\"validationSplit\": -1} | validationSplit | must be between 0 (none) and 30000, got -1",
        "{\"validationSplit\": 40000} | validationSplit | must be between 0 (none) and 30000, got 40000",
        "{\"validationSplit\": 2000, \"trainLimit\": 2000, \"batchSize\": 100} | validationSplit | must be below trainLimit (2000)",
        "{\"validationSplit\": 1500, \"trainLimit\": 2000, \"batchSize\": 1000} | batchSize | must not exceed the images left to train on",
        "{\"validationSplit\": \"5000\"} | validationSplit | must be a whole number",
        "{\"keepBest\": \"val\"} | keepBest | \"val\" needs a validationSplit",
        "{\"keepBest\": \"best\", \"validationSplit\": 5000} | keepBest | must be \"last\" or \"val\", got \"best\"",
        "{\"earlyStopping\": {\"patience\": 3}} | earlyStopping | needs a validationSplit",
        "{\"earlyStopping\": 3, \"validationSplit\": 5000} | earlyStopping | must be an object",
        "{\"earlyStopping\": {}, \"validationSplit\": 5000} | earlyStopping.patience | is required",
        "{\"earlyStopping\": {\"patience\": 0}, \"validationSplit\": 5000} | earlyStopping.patience | must be between 1 and 100",
        "{\"earlyStopping\": {\"patience\": 2, \"minDelta\": 1.5}, \"validationSplit\": 5000} | earlyStopping.minDelta | must be in [0, 1)",
        "{\"earlyStopping\": {\"patience\": 2, \"wait\": 1}, \"validationSplit\": 5000} | earlyStopping.wait | is not a known field",
        "{\"weightDecay\": 1.5} | weightDecay | must be in [0, 1), got 1.5",
        "{\"weightDecay\": \"0.01\"} | weightDecay | must be a number",
        "{\"lrSchedule\": \"linear\"} | lrSchedule | must be one of constant, step, cosine, onecycle, got \"linear\"",
        "{\"lrSchedule\": 3} | lrSchedule | must be a string",
        "{\"labelSmoothing\": 1} | labelSmoothing | must be in [0, 1), got 1.0",
        "{\"labelSmoothing\": -0.1} | labelSmoothing | must be in [0, 1), got -0.1",
        "{\"dropout\": 1} | dropout | must be in [0, 1), got 1.0",
        "{\"trainAccuracy\": \"sometimes\"} | trainAccuracy | must be one of evaluation, running, none, got \"sometimes\"",
        "{\"dropout\": true} | dropout | must be a number",
        "{\"augmentation\": true} | augmentation | must be an object",
        "{\"augmentation\": {\"cropPadding\": 8}} | augmentation.cropPadding | must be between 0 (none) and 7, got 8",
        "{\"augmentation\": {\"cropPadding\": 1.5}} | augmentation.cropPadding | must be a whole number",
        "{\"augmentation\": {\"horizontalFlip\": 1}} | augmentation.horizontalFlip | must be true or false",
        "{\"augmentation\": {\"photo\": \"yes\"}} | augmentation.photo | must be true or false",
        "{\"augmentation\": {\"testTimeFlip\": null}} | augmentation.testTimeFlip | must be true or false",
        "{\"augmentation\": {\"rotate\": 10}} | augmentation.rotate | is not a known field",
        "{\"sweep\": {\"type\": \"bayesian\"}} | sweep.type | must be one of [grid, random], got \"bayesian\"",
        "{\"sweep\": {\"type\": \"random\", \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}}, \"validationSplit\": 500} | sweep.trials | is required",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 0, \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}}, \"validationSplit\": 500} | sweep.trials | must be between 1 and 100",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4}, \"validationSplit\": 500} | sweep.space | must be an object naming at least one of",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"epochs\": {\"choice\": [1, 2]}}}, \"validationSplit\": 500} | sweep.space.epochs | is not searchable",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"dropout\": {\"normal\": [0, 1]}}}, \"validationSplit\": 500} | sweep.space.dropout.normal | is not a distribution",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"dropout\": {\"uniform\": [0.5, 0.1]}}}, \"validationSplit\": 500} | sweep.space.dropout | must be [low, high] with low below high",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"learningRate\": {\"logUniform\": [0, 0.1]}}}, \"validationSplit\": 500} | sweep.space.learningRate | bounds must be above 0",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"dropout\": {\"choice\": [0.1, \"x\"]}}}, \"validationSplit\": 500} | sweep.space.dropout.choice[1] | must be a number",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"learningRate\": {\"uniform\": [5, 50]}}}, \"validationSplit\": 500} | sweep.space.learningRate | drew",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"k\": {\"choice\": [3, 5]}}}, \"validationSplit\": 500} | sweep.space.k | k does not apply to better",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}}} | validationSplit | a random search ranks its trials by validation accuracy",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}, \"medianStopping\": {\"minTrials\": 0}}, \"validationSplit\": 500} | sweep.medianStopping.minTrials | must be between 1 and 99",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}, \"medianStopping\": {\"after\": 2}}, \"validationSplit\": 500} | sweep.medianStopping.after | is not a known field",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 3, \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}, \"medianStopping\": {}}, \"validationSplit\": 500} | sweep.medianStopping.minTrials | must be below trials (3), or no trial could ever be compared, got 3",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}, \"parallelTrials\": 0}, \"validationSplit\": 500} | sweep.parallelTrials | must be between 1 and 100",
        "{\"sweep\": {\"type\": \"random\", \"trials\": 4, \"parameter\": \"k\", \"space\": {\"dropout\": {\"uniform\": [0, 0.5]}}}, \"validationSplit\": 500} | sweep.parameter | is not a known field of a random sweep",
        "{\"sweep\": {\"parameter\": \"k\", \"values\": [3], \"medianStopping\": {}}} | sweep.medianStopping | is not a known field of a grid sweep"
    })
    void eachRuleNamesTheFieldAndTheRule(String json, String field, String rule) {
        assertThatThrownBy(() -> parse(json))
                .isInstanceOfSatisfying(RequestRejectedException.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.rule()).contains(rule);
                });
    }

    @Test
    void sizeAndEmptinessAreCheckedBeforeParsing() {
        assertThatThrownBy(() -> parser.parse(new byte[0])).hasMessage("$: the request is empty");
        byte[] huge = new byte[RequestParser.MAX_REQUEST_BYTES + 1];
        assertThatThrownBy(() -> parser.parse(huge)).hasMessageContaining("at most 65536 are accepted");
    }

    @Test
    void aSweepHasOneValidChildPerValueWithDerivedIds() {
        ExperimentRequest sweep = parse("{\"experimentId\":\"s1\",\"architecture\":\"compare\","
                + "\"sweep\":{\"parameter\":\"k\",\"values\":[3,4,5]}}");
        List<ExperimentRequest> children = sweep.children();
        assertThat(children).extracting(ExperimentRequest::experimentId).containsExactly("s1/k=3", "s1/k=4", "s1/k=5");
        assertThat(children).extracting(c -> c.network().k()).containsExactly(3, 4, 5);

        ExperimentRequest rates = parse("{\"experimentId\":\"s2\",\"sweep\":{\"parameter\":\"learningRate\","
                + "\"values\":[0.001,0.01]}}");
        assertThat(rates.children()).extracting(ExperimentRequest::experimentId)
                .containsExactly("s2/learningRate=0.001", "s2/learningRate=0.01");
    }

    @Test
    void aRandomSearchDrawsEachTrialReproduciblyFromItsSeedWithinTheSpace() {
        String body = "{\"experimentId\":\"rs\",\"architecture\":\"better-bn\",\"validationSplit\":5000,"
                + "\"sweep\":{\"type\":\"random\",\"trials\":12,\"seed\":%d,\"space\":{"
                + "\"learningRate\":{\"logUniform\":[0.0001,0.01]},\"batchSize\":{\"choice\":[100,250,500]},"
                + "\"dropout\":{\"uniform\":[0,0.5]}},\"medianStopping\":{\"minTrials\":2}}}";
        ExperimentRequest request = parse(body.formatted(7));

        assertThat(request.sweep().medianStopping()).isEqualTo(new MedianStopping(2, MedianStopping.DEFAULT_GRACE_PERIOD));
        List<ExperimentRequest> trials = request.children();
        assertThat(trials).extracting(ExperimentRequest::experimentId).startsWith("rs/trial=0", "rs/trial=1")
                .hasSize(12);
        for (ExperimentRequest trial : trials) {
            HyperParameters hp = trial.hyperParameters();
            assertThat(hp.learningRate()).isBetween(0.0001, 0.01);
            assertThat(hp.batchSize()).isIn(100, 250, 500);
            assertThat(hp.dropout()).isBetween(0.0, 0.5);
            assertThat(hp.validationSplit()).as("the rest of the recipe is the request's").isEqualTo(5000);
            assertThat(trial.network().architecture()).isEqualTo(Architecture.BETTER_BN);
        }
        assertThat(trials.stream().map(t -> t.hyperParameters().learningRate()).distinct()).hasSize(12);
        // log-uniform: about as many draws below 0.001 as above it
        assertThat(trials.stream().filter(t -> t.hyperParameters().learningRate() < 0.001).count()).isBetween(2L, 10L);
        assertThat(parse(body.formatted(7)).children()).as("the same seed, the same trials").isEqualTo(trials);
        assertThat(parse(body.formatted(8)).children().get(0).hyperParameters())
                .isNotEqualTo(trials.get(0).hyperParameters());
        assertThat(request.sweep().childOptions().get(3)).containsOnlyKeys("batchSize", "dropout", "learningRate")
                .containsEntry("learningRate", trials.get(3).hyperParameters().learningRate());
    }

    @Test
    void theIdOfAnInvalidBodyIsReadWhenItCanBe() {
        assertThat(RequestParser.readableId("{\"experimentId\":\"exp-9\",\"epochs\":\"ten\"}".getBytes(StandardCharsets.UTF_8)))
                .contains("exp-9");
        assertThat(RequestParser.readableId("{\"experimentId\":\"no spaces\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(RequestParser.readableId("{\"experimentId\": 7}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(RequestParser.readableId("not json".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(RequestParser.readableId(new byte[0])).isEmpty();
    }
}
