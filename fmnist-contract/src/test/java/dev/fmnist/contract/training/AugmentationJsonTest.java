package dev.fmnist.contract.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * The recipe as a manifest holds it (Jackson on the records, strict about unknown fields as the
 * artefact codec is): the photo augmentation appears only when on, so a manifest of a run without it
 * is the one written before the option, and a manifest written before it reads as off.
 */
class AugmentationJsonTest {

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Test
    void photoOffIsWrittenAsBeforeTheOption() throws IOException {
        HyperParameters flip = HyperParameters.builder().optHorizontalFlip(true).optCropPadding(2).build();

        JsonNode augmentation = STRICT.valueToTree(flip).get("augmentation");

        assertThat(augmentation).isEqualTo(STRICT.readTree("{\"cropPadding\":2,\"horizontalFlip\":true}"));
    }

    @Test
    void photoOnIsWrittenAndReadBack() throws IOException {
        HyperParameters photo = HyperParameters.builder().optPhotoAugmentation(true).build();

        byte[] json = STRICT.writeValueAsBytes(photo);

        assertThat(STRICT.readTree(json).at("/augmentation/photo").asBoolean()).isTrue();
        assertThat(STRICT.readValue(json, HyperParameters.class)).isEqualTo(photo);
    }

    @Test
    void aManifestsAugmentationWrittenBeforeTheOptionReadsAsOff() throws IOException {
        Augmentation older = STRICT.readValue("{\"cropPadding\":1,\"horizontalFlip\":true}", Augmentation.class);

        assertThat(older).isEqualTo(new Augmentation(1, true, false));
        assertThat(older.photo()).isFalse();
    }

    @Test
    void testTimeFlipsAreWrittenOnlyWhenOnAndReadBack() throws IOException {
        HyperParameters flips = HyperParameters.builder().optHorizontalFlip(true).optTestTimeFlip(true).build();

        byte[] json = STRICT.writeValueAsBytes(flips);

        assertThat(STRICT.readTree(json).at("/augmentation/testTimeFlip").asBoolean()).isTrue();
        assertThat(STRICT.readValue(json, HyperParameters.class)).isEqualTo(flips);
        assertThat(STRICT.valueToTree(HyperParameters.builder().build()).get("augmentation").has("testTimeFlip"))
                .as("off: the manifest written before the option").isFalse();
    }

    @Test
    void offItPrintsAsBeforeTheOptionForTheCheckpointsFingerprint() {
        // TrainingCheckpoint's fingerprint digests the recipe's text: a run resumed after an upgrade must
        // find its checkpoints, so a recipe without test-time flips prints exactly as before them
        assertThat(new Augmentation(2, true, false, false))
                .hasToString("Augmentation[cropPadding=2, horizontalFlip=true, photo=false]");
        assertThat(new Augmentation(2, true, false, true))
                .hasToString("Augmentation[cropPadding=2, horizontalFlip=true, photo=false, testTimeFlip=true]");
    }

    @Test
    void theBuildersAugmentationCarriesAllThreeParts() {
        Augmentation all = new Augmentation(3, true, true);

        HyperParameters hp = HyperParameters.builder().optAugmentation(all).build();

        assertThat(hp.augmentation()).isEqualTo(all);
        assertThat(hp.toBuilder().optHorizontalFlip(false).build().augmentation()).isEqualTo(new Augmentation(3, false, true));
    }
}
