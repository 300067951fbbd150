package dev.fmnist.inference.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.inference.serving.PublishedVersions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * An artefact record's headers read as an index entry: what the trainer writes reads back as the
 * manifest says, a record without them is left to its value, and every wrong header is refused by name.
 */
class ArtefactHeadersTest {

    private static final String SHA = "5e8d0154c40a" + "0123456789abcdef".repeat(3) + "0123";
    private static final ModelManifest MANIFEST = ModelManifest.of(NetworkSpec.of(Architecture.MLP), "better-1",
            HyperParameters.builder().build(), 500, List.of(), 0.9041, 1234, "cpu", "0.33.0", "2.5.1",
            "2026-11-29T16:13:40Z", SHA);

    private static RecordHeaders headers(Map<String, String> values) {
        RecordHeaders headers = new RecordHeaders();
        values.forEach((name, text) -> headers.add(name, text.getBytes(StandardCharsets.UTF_8)));
        return headers;
    }

    private static RecordHeaders trainers(String name, String value) {
        RecordHeaders headers = headers(Headers.forArtefact(MANIFEST));
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
        return headers;
    }

    @Test
    void whatTheTrainerWritesReadsBackAsTheManifestSays() {
        RecordHeaders written = headers(Headers.forArtefact(MANIFEST));

        assertThat(ArtefactHeaders.complete(written)).isTrue();
        PublishedVersions.Entry entry = ArtefactHeaders.entry(written, 7);
        assertThat(entry).isEqualTo(PublishedVersions.Entry.of(MANIFEST, 7));
        assertThat(entry.disagreement(MANIFEST)).isEmpty();
    }

    @Test
    void aModelServedWithTestTimeFlipsIsAnotherVersionOfTheSameParameters() {
        ModelManifest flipped = ModelManifest.of(NetworkSpec.of(Architecture.MLP), "better-2",
                HyperParameters.builder().optHorizontalFlip(true).optTestTimeFlip(true).build(), 500, List.of(), 0.9041,
                1234, "cpu", "0.33.0", "2.5.1", "2026-11-29T16:13:40Z", SHA);
        RecordHeaders written = headers(Headers.forArtefact(flipped));

        assertThat(flipped.version()).matches("[0-9a-f]{12}").isNotEqualTo(MANIFEST.version());
        assertThat(MANIFEST.version()).as("without flips: the parameters' hash, as before").isEqualTo("5e8d0154c40a");
        PublishedVersions.Entry entry = ArtefactHeaders.entry(written, 8);
        assertThat(entry).isEqualTo(PublishedVersions.Entry.of(flipped, 8));
        assertThat(entry.disagreement(flipped)).isEmpty();
        written.remove(Headers.TEST_TIME_FLIP);
        assertThatThrownBy(() -> ArtefactHeaders.entry(written, 8)).as("a replica that knew no flips refuses it")
                .hasMessageStartingWith("header fmnist-version: '" + flipped.version() + "' is not the version of");
    }

    @Test
    void aRecordWithoutTheAccuracyHeaderIsLeftToItsValue() {
        RecordHeaders older = headers(Headers.forArtefact(MANIFEST));
        older.remove(Headers.TEST_ACCURACY); // what the trainer wrote before it wrote the accuracy

        assertThat(ArtefactHeaders.complete(older)).isFalse();
        assertThat(ArtefactHeaders.complete(new RecordHeaders())).isFalse();
    }

    @Test
    void everyWrongHeaderIsRefusedByName() {
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.PARAMETERS_SHA256, "ABC"), 0))
                .hasMessage("header fmnist-parameters-sha256: expected 64 lower-case hex digits, got 'ABC'");
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.VERSION, "000000000000"), 0))
                .hasMessage("header fmnist-version: '000000000000' is not the version of "
                        + "fmnist-parameters-sha256 " + SHA + " (5e8d0154c40a)");
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.TEST_TIME_FLIP, "yes"), 0))
                .hasMessage("header fmnist-test-time-flip: expected true, false or no header, got 'yes'");
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.TEST_TIME_FLIP, "TRUE"), 0))
                .hasMessage("header fmnist-test-time-flip: expected true, false or no header, got 'TRUE'");
        assertThat(ArtefactHeaders.entry(trainers(Headers.TEST_TIME_FLIP, "false"), 3))
                .as("false, as another publisher may write it: a plain model").isEqualTo(PublishedVersions.Entry.of(MANIFEST, 3));
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.TEST_TIME_FLIP, "true"), 0))
                .as("the flag added to a plain model's headers: its version no longer fits")
                .hasMessageStartingWith("header fmnist-version: '5e8d0154c40a' is not the version of "
                        + "fmnist-parameters-sha256 " + SHA + " served with test-time flips (");
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.TEST_ACCURACY, "high"), 0))
                .hasMessage("header fmnist-test-accuracy: 'high' is not a number");
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.TEST_ACCURACY, "NaN"), 0))
                .hasMessage("header fmnist-test-accuracy: NaN is not between 0 and 1");
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.TEST_ACCURACY, "1.5"), 0))
                .hasMessage("header fmnist-test-accuracy: 1.5 is not between 0 and 1");
        assertThatThrownBy(() -> ArtefactHeaders.entry(trainers(Headers.EXPERIMENT_ID, "x".repeat(300)), 0))
                .hasMessage("header fmnist-experiment-id: 300 bytes, more than 256");
    }

    @Test
    void anEntryWhoseArtefactSaysOtherwiseNamesTheFirstFieldThatDiffers() {
        PublishedVersions.Entry claimed = ArtefactHeaders.entry(trainers(Headers.TEST_ACCURACY, "0.99"), 3);

        assertThat(claimed.disagreement(MANIFEST)).contains("testAccuracy: the record says 0.99, the manifest 0.9041");
    }
}
