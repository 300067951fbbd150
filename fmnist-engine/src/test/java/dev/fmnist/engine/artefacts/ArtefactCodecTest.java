package dev.fmnist.engine.artefacts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.util.Sha256;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import dev.fmnist.engine.training.TrainingResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ArtefactCodecTest {

    private static final FashionMnist DATA = IdxFixtures.realData();
    private static TrainingResult trained;
    private static byte[] encoded;

    @BeforeAll
    static void trainOnce() {
        HyperParameters hp = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(2000).build();
        trained = new FashionMnistTrainer().train(NetworkSpec.of("compare", 3), hp, DATA, TrainingObserver.NONE);
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

        try (Model model = ArtefactModels.newModel(artefact, ComputeEngine.device())) {
            assertThat(testAccuracy(model)).isEqualTo(manifest.testAccuracy());
        }
    }

    @Test
    void alteredParametersAreRefused() throws IOException {
        byte[] parameters = trained.parameters();
        parameters[parameters.length - 5] ^= 0x10;
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

        assertThatThrownBy(() -> ArtefactModels.newModel(artefact, ComputeEngine.device()))
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

    private static double testAccuracy(Model model) {
        FashionMnist.Split test = DATA.test();
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDArray images = manager.create(ByteBuffer.wrap(test.images()), new Shape(test.size(), 1, 28, 28),
                    DataType.UINT8).toType(DataType.FLOAT32, false).div(255f);
            NDArray labels = manager.create(ByteBuffer.wrap(test.labels()), new Shape(test.size()), DataType.UINT8)
                    .toType(DataType.INT64, false);
            NDArray logits = model.getBlock()
                    .forward(new ParameterStore(manager, false), new NDList(images), false).singletonOrThrow();
            return logits.argMax(1).eq(labels).sum().getLong() / (double) test.size();
        }
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
