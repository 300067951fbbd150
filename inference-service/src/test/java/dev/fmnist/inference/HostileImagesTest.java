package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.images.HostileImages;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.Image;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Encoded images as an attacker sends them: bombs refused from their header, formats refused by name. */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class HostileImagesTest {

    private static ModelArtefact artefact;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(21);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
    }

    @BeforeEach
    void awaitModel() throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            try {
                classifier.getModel(GetModelRequest.getDefaultInstance());
                return;
            } catch (StatusRuntimeException e) {
                Thread.sleep(200);
            }
        }
    }

    private ClassifyRequest encoded(byte[] bytes, boolean resize) {
        return ClassifyRequest.newBuilder().setImage(Image.newBuilder().setEncoded(ByteString.copyFrom(bytes)))
                .setResize(resize).build();
    }

    private void refused(ClassifyRequest request, String message) {
        assertThatThrownBy(() -> classifier.classify(request)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }

    @Test
    void decompressionBombsAreRefusedFromTheirHeaderWithBothSizes() {
        String limit = "image.encoded: the image is 30000x30000 pixels; at most 4096x4096 are accepted";
        byte[] png = HostileImages.pngBomb();
        assertThat(png.length).isLessThan(1_000_000);
        refused(encoded(png, true), limit);
        refused(encoded(png, false), limit);
        refused(encoded(HostileImages.jpegBomb(), true), limit);
    }

    @Test
    void onlyPngAndJpegAreAcceptedAndOthersAreRefusedByName() {
        refused(encoded(HostileImages.image(28, 28, "gif"), false), "image.encoded: GIF images are not accepted; send PNG or JPEG");
        refused(encoded(HostileImages.image(28, 28, "bmp"), false), "image.encoded: BMP images are not accepted");
        refused(encoded("not an image".getBytes(), false), "image.encoded: not a decodable PNG or JPEG (12 bytes)");
        byte[] truncated = HostileImages.image(28, 28, "png");
        refused(encoded(Arrays.copyOf(truncated, truncated.length / 2), false), "image.encoded: not a decodable PNG");
        assertThat(classifier.classify(encoded(HostileImages.image(28, 28, "png"), false)).getProbabilitiesCount())
                .isEqualTo(10);
        assertThat(classifier.classify(encoded(HostileImages.image(28, 28, "jpeg"), false)).getProbabilitiesCount())
                .isEqualTo(10);
    }

    @Test
    void aLargeHonestPhotoIsConvertedAndUnderNoConversionRefusedWithItsSizeUnlessResized() {
        byte[] photo = HostileImages.image(3000, 2000, "png");
        assertThat(classifier.classify(encoded(photo, false)).getProbabilitiesCount()).as("the default conversion")
                .isEqualTo(10);
        ClassifyRequest none = encoded(photo, false).toBuilder().setConversion(Conversion.CONVERSION_NONE).build();
        assertThat(classifier.classify(none.toBuilder().setResize(true).build()).getProbabilitiesCount()).isEqualTo(10);
        refused(none, "image.encoded: expected a 28x28 image, got 3000x2000 (set resize to scale it");
        refused(encoded(HostileImages.image(4097, 10, "png"), true), "the image is 4097x10 pixels; at most 4096x4096");
    }
}
