package dev.fmnist.engine.artefacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.util.Sha256;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import dev.fmnist.engine.training.TrainingResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArtefactCodecTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final FashionMnist DATA = IdxFixtures.realData();
    private static TrainingResult trained;
    private static byte[] encoded;

    @BeforeAll
    static void trainOnce() {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(2000).build();
        trained = new FashionMnistTrainer(ENGINE).train(NetworkSpec.of("compare", 3), hp, DATA, TrainingObserver.NONE);
        encoded = ArtefactCodec.encode(ArtefactModels.of(trained, "exp-1", Instant.parse("2026-11-29T10:00:00Z")));
    }

    @Test
    void roundTripKeepsTheManifestAndTheModelsAccuracy() {
        ModelArtefact artefact = ArtefactCodec.decode(encoded);
        ModelManifest manifest = artefact.manifest();
        assertThat(manifest.architecture()).isEqualTo("compare");
        assertThat(manifest.k()).isEqualTo(3);
        assertThat(manifest.experimentId()).isEqualTo("exp-1");
        assertThat(manifest.hyperParameters()).isEqualTo(trained.hyperParameters());
        assertThat(manifest.epochs()).isEqualTo(trained.epochs());
        assertThat(manifest.parameterCount()).isEqualTo(154_438);
        assertThat(manifest.trainImages()).isEqualTo(2000);
        assertThat(manifest.djlVersion()).isEqualTo("0.33.0");
        assertThat(manifest.pytorchVersion()).isEqualTo("2.5.1");
        assertThat(manifest.createdAt()).isEqualTo("2026-11-29T10:00:00Z");
        assertThat(manifest.parametersSha256()).isEqualTo(Sha256.hex(trained.parameters()));
        assertThat(manifest.version()).hasSize(12);

        try (InferenceModel model = InferenceModel.load(artefact, ENGINE)) {
            assertThat(testAccuracy(model)).isEqualTo(manifest.testAccuracy());
        }
    }

    @Test
    void timePassesTimesThePassesOfTheDecodedModel() {
        try (InferenceModel model = InferenceModel.load(ArtefactCodec.decode(encoded), ENGINE)) {
            InferenceModel.PassTimes times = model.timePasses(new float[2 * FashionMnist.PIXELS], 2, 0.2);
            assertThat(times.batch()).isEqualTo(2);
            assertThat(times.passes()).isPositive();
            assertThat(times.p50Ms()).isPositive().isLessThanOrEqualTo(times.p99Ms());
            assertThat(times.p99Ms()).as("one pass at most all of them").isLessThanOrEqualTo(times.seconds() * 1000 * (1 + 1e-9));
            assertThat(times.p50Ms() * (times.passes() / 2)).as("half the passes at least p50 each")
                    .isLessThanOrEqualTo(times.seconds() * 1000);
            assertThat(times.imagesPerSecond()).isEqualTo(times.passes() * 2 / times.seconds());
            assertThatThrownBy(() -> model.timePasses(new float[2 * FashionMnist.PIXELS], 3, 0.2))
                    .hasMessage("batch: expected 1 to 2 (the images given), got 3");
            assertThatThrownBy(() -> model.timePasses(new float[FashionMnist.PIXELS], 1, 0))
                    .hasMessage("seconds: expected above 0, got 0.0");
        }
    }

    @Test
    void alteredParametersAreRefused() throws IOException {
        byte[] parameters = trained.parameters();
        parameters[parameters.length - 5] ^= 0x10;
        assertThat(trained.parameters()).as("a result hands out copies").isNotEqualTo(parameters);
        byte[] tampered = zip(entry(ArtefactCodec.MANIFEST_ENTRY), parameters);

        assertThatThrownBy(() -> ArtefactCodec.decode(tampered))
                .isInstanceOf(ArtefactException.class)
                .hasMessageContaining("the artefact was altered or corrupted");
    }

    @Test
    void aManifestNamingAnotherNetworkIsRefusedAtLoad() throws IOException {
        String manifest = new String(entry(ArtefactCodec.MANIFEST_ENTRY), StandardCharsets.UTF_8)
                .replace("\"k\" : 3", "\"k\" : 4");
        ModelArtefact artefact = ArtefactCodec.decode(zip(manifest.getBytes(StandardCharsets.UTF_8),
                entry(ArtefactCodec.PARAMETERS_ENTRY)));

        assertThatThrownBy(() -> ArtefactModels.newModel(artefact, ENGINE))
                .isInstanceOf(ArtefactException.class)
                .hasMessageContaining("compare(k=4) expects");
    }

    @Test
    void aManifestNamingNoKnownNetworkIsRefused() throws IOException {
        String manifest = new String(entry(ArtefactCodec.MANIFEST_ENTRY), StandardCharsets.UTF_8)
                .replace("\"architecture\" : \"compare\"", "\"architecture\" : \"resnet\"");
        byte[] bytes = zip(manifest.getBytes(StandardCharsets.UTF_8), entry(ArtefactCodec.PARAMETERS_ENTRY));

        assertThatThrownBy(() -> ArtefactCodec.decode(bytes))
                .isInstanceOf(ArtefactException.class)
                .hasMessageContaining("manifest names no known network: unknown architecture 'resnet'");
    }

    @Test
    void garbageAndEmptyInputAreRefused() {
        assertThatThrownBy(() -> ArtefactCodec.decode(new byte[0]))
                .isInstanceOf(ArtefactException.class).hasMessageContaining("empty input");
        assertThatThrownBy(() -> ArtefactCodec.decode("not a zip".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(ArtefactException.class);
        assertThatThrownBy(() -> ArtefactCodec.decode(zip("{}".getBytes(StandardCharsets.UTF_8), new byte[4])))
                .isInstanceOf(ArtefactException.class).hasMessageContaining("manifest");
    }

    @Test
    void anEntryNameThatIsNoUtf8IsRefusedAsAnArtefactNotThrownAsSomethingElse() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry("manifest.jsoX"));
            out.write("{}".getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        }
        byte[] zip = bytes.toByteArray();
        byte[] name = "manifest.jsoX".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + name.length <= zip.length; i++) { // the name's last byte made 0xFF wherever it is written
            if (java.util.Arrays.equals(zip, i, i + name.length, name, 0, name.length)) {
                zip[i + name.length - 1] = (byte) 0xFF;
            }
        }
        assertThatThrownBy(() -> ArtefactCodec.decode(zip)).isInstanceOf(ArtefactException.class)
                .hasMessageStartingWith("not a readable artefact zip");
    }

    /** The engine's inference API over the whole test set: the same preprocessing serving uses. */
    private static double testAccuracy(InferenceModel model) {
        FashionMnist.Split test = DATA.test();
        float[] pixels = new float[test.images().length];
        Pixels.scale(test.images(), 0, pixels, 0, pixels.length);
        float[][] probabilities = model.classify(pixels, test.size());
        int correct = 0;
        for (int i = 0; i < test.size(); i++) {
            int best = 0;
            for (int c = 1; c < FashionMnist.CLASSES; c++) {
                if (probabilities[i][c] > probabilities[i][best]) {
                    best = c;
                }
            }
            correct += best == test.labels()[i] ? 1 : 0;
        }
        return correct / (double) test.size();
    }

    private static byte[] entry(String name) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(encoded))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    return in.readAllBytes();
                }
            }
        }
        throw new IllegalStateException(name + " not in artefact");
    }

    private static byte[] zip(byte[] manifest, byte[] parameters) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            out.putNextEntry(new ZipEntry(ArtefactCodec.MANIFEST_ENTRY));
            out.write(manifest);
            out.putNextEntry(new ZipEntry(ArtefactCodec.PARAMETERS_ENTRY));
            out.write(parameters);
        }
        return bytes.toByteArray();
    }
}
