package dev.fmnist.contract.artefacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The manifest's test-set class counts: written, read back, absent from older manifests, checked. */
class ModelManifestTest {

    private static final byte[] PARAMETERS = {1, 2, 3};
    private static final int[] COUNTS = {1000, 990, 1012, 1003, 998, 1001, 987, 1010, 1000, 999};

    private static ModelManifest manifest(int[] testPredicted) {
        return ModelManifest.of(NetworkSpec.of(Architecture.MLP), "exp-1", HyperParameters.builder().build(), 500,
                List.of(), 0.85, 1234, "cpu", "0.33.0", "2.5.1", "2026-12-06T00:00:00Z", Sha256.hex(PARAMETERS),
                testPredicted);
    }

    private static ModelArtefact artefact(ModelManifest manifest) {
        return ModelArtefact.of(manifest, PARAMETERS);
    }

    @Test
    void testPredictedRoundTripsThroughTheArtefact() {
        ModelManifest manifest = manifest(COUNTS);
        ModelManifest read = ArtefactCodec.parseManifest(jsonOf(manifest));
        assertThat(read).isEqualTo(manifest);
        assertThat(read.testPredicted()).containsExactly(COUNTS);
        assertThat(read.testPredictedCounts()).isPresent();
    }

    @Test
    void aManifestWrittenBeforeTheCountsReadsWithoutThem() {
        ModelManifest old = manifest(null);
        String json = new String(jsonOf(old), StandardCharsets.UTF_8).replaceAll(",\\s*\"testPredicted\"\\s*:\\s*null", "");
        assertThat(json).doesNotContain("testPredicted");
        ModelManifest read = ArtefactCodec.parseManifest(json.getBytes(StandardCharsets.UTF_8));
        assertThat(read.testPredicted()).isNull();
        assertThat(read).isEqualTo(old);
        // the constructor older callers use leaves it out
        assertThat(new ModelManifest(read.formatVersion(), read.architecture(), read.k(), read.experimentId(),
                read.hyperParameters(), read.trainImages(), read.epochs(), read.testAccuracy(), read.parameterCount(),
                read.device(), read.djlVersion(), read.pytorchVersion(), read.createdAt(), read.parametersSha256()))
                .isEqualTo(old);
    }

    @Test
    void malformedCountsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> ArtefactCodec.parseManifest(jsonOf(manifest(new int[9]))))
                .isInstanceOf(ArtefactException.class).hasMessageContaining("testPredicted: expected 10 counts, got 9");
        int[] negative = COUNTS.clone();
        negative[4] = -1;
        assertThatThrownBy(() -> ArtefactCodec.parseManifest(jsonOf(manifest(negative))))
                .hasMessageContaining("testPredicted: [4] is negative");
    }

    @Test
    void theCountsCannotBeChangedFromOutside() {
        int[] counts = COUNTS.clone();
        ModelManifest manifest = manifest(counts);
        counts[0] = 7;
        manifest.testPredicted()[1] = 7;
        assertThat(manifest.testPredicted()).containsExactly(COUNTS);
    }

    private static byte[] jsonOf(ModelManifest manifest) {
        byte[] zip = ArtefactCodec.encode(artefact(manifest));
        // the manifest entry as written into the zip
        try (var in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            in.getNextEntry();
            return in.readAllBytes();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
