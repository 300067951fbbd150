package dev.fmnist.contract.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.contract.fields.RequestFields;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.ExtraData;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.Initialization;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The writer is the parser's inverse, and the builder refuses what the parser refuses. */
class RequestWriterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final RequestParser parser = new RequestParser(() -> "generated");

    private ExperimentRequest roundTrip(ExperimentRequest request) {
        return parser.parse(RequestWriter.write(request));
    }

    /** Every recipe option away from the seed's, on compare with a k of its own. */
    private static ExperimentRequest.Builder everyOption() {
        ExperimentRequest.Builder request = ExperimentRequest.builder().optExperimentId("every-1")
                .optArchitecture(Architecture.COMPARE).optK(3).optTag("owner", "ana").optTag("purpose", "writer");
        request.recipe().optEpochs(4).optBatchSize(200).optLearningRate(0.0123).optOptimizer(OptimizerKind.SGD)
                .optMomentum(0.5).optShuffle(false).optSeed(-7_000_000_000L).optTrainLimit(6000).optValidationSplit(1000)
                .optKeepBest(KeepBest.VAL).optEarlyStopping(new EarlyStopping(3, 0.001)).optWeightDecay(0.05)
                .optLrSchedule(LearningRateSchedule.ONE_CYCLE).optLabelSmoothing(0.1).optDropout(0.2)
                .optAugmentation(new Augmentation(2, true)).optTrainAccuracy(TrainAccuracyMode.NONE)
                .optExtraData(new ExtraData("/data/mine"));
        return request;
    }

    @Test
    void theSeedsDefaultsAreWrittenAsTheIdAndTheArchitectureAndReadBackTheSame() throws IOException {
        ExperimentRequest seed = ExperimentRequest.builder().optExperimentId("seed-1").build();

        assertThat(JSON.readTree(RequestWriter.write(seed))).isEqualTo(JSON.readTree(
                "{\"experimentId\":\"seed-1\",\"architecture\":\"better\"}"));
        assertThat(roundTrip(seed)).isEqualTo(seed).isEqualTo(parser.parse("{\"experimentId\":\"seed-1\"}".getBytes()));
        assertThat(seed.hyperParameters()).isEqualTo(HyperParameters.defaults());
        ExperimentRequest compare = ExperimentRequest.builder().optExperimentId("c-1").optArchitecture(Architecture.COMPARE)
                .build();
        assertThat(RequestWriter.toJson(compare).has(RequestFields.K)).as("compare's default k, as the parser fills it in")
                .isFalse();
        assertThat(roundTrip(compare).network()).isEqualTo(new NetworkSpec(Architecture.COMPARE, NetworkSpec.BASELINE_KERNEL));
    }

    @Test
    void everyOptionSetIsWrittenUnderItsFieldAndReadBackTheSame() {
        ExperimentRequest request = everyOption().build();

        JsonNode written = RequestWriter.toJson(request);
        Set<String> fields = new HashSet<>();
        written.fieldNames().forEachRemaining(fields::add);
        // a named recipe is written as its values
        assertThat(fields).containsExactlyInAnyOrderElementsOf(RequestFields.TOP_LEVEL.stream()
                .filter(field -> !field.equals(RequestFields.SWEEP) && !field.equals(RequestFields.RECIPE)).toList());
        assertThat(written.get(RequestFields.SEED).asLong()).isEqualTo(-7_000_000_000L);
        assertThat(written.get(RequestFields.TRAIN_ACCURACY).asText()).isEqualTo("none");
        assertThat(roundTrip(request)).isEqualTo(request);
        assertThat(roundTrip(request).hyperParameters().augmentation()).isEqualTo(new Augmentation(2, true));
    }

    @Test
    void thePhotoAugmentationIsWrittenUnderAugmentationOnlyWhenOn() {
        ExperimentRequest.Builder builder = ExperimentRequest.builder().optExperimentId("photo-1");
        builder.recipe().optPhotoAugmentation(true);
        ExperimentRequest photo = builder.build();

        JsonNode written = RequestWriter.toJson(photo).get(RequestFields.AUGMENTATION);
        assertThat(written.get(RequestFields.PHOTO).asBoolean()).isTrue();
        assertThat(roundTrip(photo)).isEqualTo(photo);
        assertThat(roundTrip(photo).hyperParameters().augmentation()).isEqualTo(new Augmentation(0, false, true));
        JsonNode flipOnly = RequestWriter.toJson(everyOption().build()).get(RequestFields.AUGMENTATION);
        assertThat(flipOnly.has(RequestFields.PHOTO)).as("off: the object older readers know").isFalse();
        assertThat(flipOnly.has(RequestFields.TEST_TIME_FLIP)).as("off: the object older readers know").isFalse();
    }

    @Test
    void testTimeFlipsAreWrittenUnderAugmentationOnlyWhenOn() {
        ExperimentRequest.Builder builder = ExperimentRequest.builder().optExperimentId("tta-1");
        builder.recipe().optHorizontalFlip(true).optTestTimeFlip(true);
        ExperimentRequest flips = builder.build();

        JsonNode written = RequestWriter.toJson(flips).get(RequestFields.AUGMENTATION);
        assertThat(written.get(RequestFields.TEST_TIME_FLIP).asBoolean()).isTrue();
        assertThat(roundTrip(flips)).isEqualTo(flips);
        assertThat(roundTrip(flips).hyperParameters().augmentation()).isEqualTo(new Augmentation(0, true, false, true));
    }

    @Test
    void aGridSweepIsWrittenWithWholeValuesAndReadBackTheSame() throws IOException {
        ExperimentRequest grid = ExperimentRequest.builder().optExperimentId("grid-1").optArchitecture(Architecture.COMPARE)
                .optSweep(Sweep.grid(RequestFields.K, List.of(3.0, 4.0, 8.0)).withParallelTrials(2)).build();

        assertThat(JSON.readTree(RequestWriter.write(grid)).get(RequestFields.SWEEP)).isEqualTo(JSON.readTree(
                "{\"parameter\":\"k\",\"values\":[3,4,8],\"parallelTrials\":2}"));
        ExperimentRequest read = roundTrip(grid);
        assertThat(read).isEqualTo(grid);
        assertThat(read.children()).isEqualTo(grid.children()).extracting(ExperimentRequest::experimentId)
                .containsExactly("grid-1/k=3", "grid-1/k=4", "grid-1/k=8");

        ExperimentRequest rates = ExperimentRequest.builder().optExperimentId("grid-2")
                .optSweep(Sweep.grid(RequestFields.LEARNING_RATE, List.of(0.001, 0.003))).build();
        assertThat(roundTrip(rates)).isEqualTo(rates);
    }

    @Test
    void aRandomSearchIsWrittenWithItsSpaceAndStoppingAndReadBackTheSame() {
        ExperimentRequest.Builder builder = everyOption().optExperimentId("search-1").optSweep(Sweep.random(5, 11,
                Map.of(RequestFields.LEARNING_RATE, new SearchDistribution(SearchDistribution.LOG_UNIFORM, List.of(0.0001, 0.01)),
                        RequestFields.DROPOUT, new SearchDistribution(SearchDistribution.UNIFORM, List.of(0.0, 0.5)),
                        RequestFields.BATCH_SIZE, new SearchDistribution(SearchDistribution.CHOICE, List.of(100.0, 250.0))),
                new MedianStopping(2, 3), 2));
        ExperimentRequest search = builder.build();

        JsonNode sweep = RequestWriter.toJson(search).get(RequestFields.SWEEP);
        assertThat(sweep.get(RequestFields.TYPE).asText()).isEqualTo(Sweep.RANDOM);
        assertThat(sweep.at("/space/batchSize/choice/0").isIntegralNumber()).isTrue();
        ExperimentRequest read = roundTrip(search);
        assertThat(read).isEqualTo(search);
        assertThat(read.children()).as("the same trials, drawn from the same seed").isEqualTo(search.children());

        ExperimentRequest unseeded = builder.optExperimentId("search-2").optSweep(Sweep.random(2, 0,
                Map.of(RequestFields.MOMENTUM, new SearchDistribution(SearchDistribution.UNIFORM, List.of(0.1, 0.9))),
                null, null)).build();
        assertThat(RequestWriter.toJson(unseeded).get(RequestFields.SWEEP).has(RequestFields.SEED)).isFalse();
        assertThat(roundTrip(unseeded)).isEqualTo(unseeded);
    }

    @Test
    void anInitialisationOtherThanTheDefaultHasNoRequestFieldAndIsNotWritten() {
        ExperimentRequest.Builder builder = ExperimentRequest.builder().optExperimentId("x-1");
        builder.recipe().optInitialization(Initialization.XAVIER);
        ExperimentRequest xavier = builder.build();

        assertThatThrownBy(() -> RequestWriter.write(xavier)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("initialization: is not a request field");
    }

    @Test
    void theBuilderRefusesWhatTheParserRefusesNamingTheSameField() {
        assertRefused(ExperimentRequest.builder(), "experimentId", "is required");
        assertRefused(ExperimentRequest.builder().optExperimentId("has space"), "experimentId", "must be 1-128 characters");
        assertRefused(ExperimentRequest.builder().optExperimentId("a").optArchitecture(Architecture.MLP).optK(3), "k",
                "does not apply to mlp; only compare takes k");
        assertRefused(ExperimentRequest.builder().optExperimentId("a").optArchitecture(Architecture.COMPARE).optK(9), "k",
                "must be between 3 and 8");
        ExperimentRequest.Builder epochs = ExperimentRequest.builder().optExperimentId("a");
        epochs.recipe().optEpochs(0);
        assertRefused(epochs, "epochs", "must be between 1 and 1000, got 0");
        ExperimentRequest.Builder crop = ExperimentRequest.builder().optExperimentId("a");
        crop.recipe().optCropPadding(8);
        assertRefused(crop, "augmentation.cropPadding", "must be between 0 (none) and 7");
        assertRefused(ExperimentRequest.builder().optExperimentId("a").optTag("note", "x".repeat(300)), "tags.note",
                "must be a string of at most 256 characters");
        assertRefused(ExperimentRequest.builder().optExperimentId("a").optSweep(Sweep.random(2, 0,
                Map.of(RequestFields.DROPOUT, new SearchDistribution(SearchDistribution.UNIFORM, List.of(0.0, 0.5))),
                null, null)), "validationSplit", "a random search ranks its trials by validation accuracy");
        assertRefused(ExperimentRequest.builder().optExperimentId("a").optArchitecture(Architecture.COMPARE)
                .optSweep(Sweep.grid(RequestFields.K, List.of(3.0, 12.0))), "sweep.values[1]", "must be between 3 and 8");
        assertRefused(ExperimentRequest.builder().optExperimentId("a")
                .optSweep(Sweep.grid(RequestFields.K, List.of(3.0))), "sweep.parameter", "k does not apply to better");
    }

    private static void assertRefused(ExperimentRequest.Builder builder, String field, String rule) {
        assertThatThrownBy(builder::build).isInstanceOfSatisfying(RequestRejectedException.class, e -> {
            assertThat(e.field()).isEqualTo(field);
            assertThat(e.rule()).contains(rule);
        });
    }

    @Test
    void aParsedRequestsBuilderMayBeChangedBeforeItIsChecked() {
        ExperimentRequest.Builder file = RequestParser.read("{\"k\": 4, \"epochs\": 2}".getBytes());
        assertThat(file.hasExperimentId()).isFalse();
        ExperimentRequest request = file.optArchitecture(Architecture.COMPARE).optExperimentId("merged-1").build();

        assertThat(request.network()).isEqualTo(new NetworkSpec(Architecture.COMPARE, 4));
        assertThat(request.hyperParameters().epochs()).isEqualTo(2);
        assertThat(request.toBuilder().build()).isEqualTo(request);
    }
}
