package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.InputExplanation;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Encoded images through the served path: dataset-style PNGs read exactly as raw pixels, photographs
 * converted to the dataset's form, and {@code explain} saying what the model read.
 */
@QuarkusTest
@NeedsBroker
class EncodedPhotosTest {

    private static final FashionMnist DATA = TestArtefacts.DATA;
    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    private static ModelArtefact model;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @BeforeAll
    static void trainAndPublish() throws Exception {
        model = TestArtefacts.train(23, 20_000, 2);
        TestArtefacts.publish(ArtefactCodec.encode(model));
    }

    private static byte[] levels(int index) {
        return Arrays.copyOfRange(DATA.test().images(), index * FashionMnist.PIXELS, (index + 1) * FashionMnist.PIXELS);
    }

    private static Image encoded(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).isTrue();
        return Image.newBuilder().setEncoded(ByteString.copyFrom(out.toByteArray())).build();
    }

    private static Image datasetPng(int index) throws IOException {
        BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, SIDE, SIDE, levels(index));
        return encoded(image, "png");
    }

    @Test
    void everyTestImageAsA28x28PngIsReadExactlyAsItsRawPixels() throws Exception {
        TestArtefacts.awaitLive(v2, model.manifest().version());
        for (int from = 0; from < 10_000; from += 1000) {
            ClassifyBatchRequest.Builder png = ClassifyBatchRequest.newBuilder().setExplain(true);
            ClassifyBatchRequest.Builder raw = ClassifyBatchRequest.newBuilder();
            for (int i = from; i < from + 1000; i++) {
                png.addImages(datasetPng(i));
                raw.addImages(Image.newBuilder().setRawUint8(ByteString.copyFrom(levels(i))));
            }
            ClassifyBatchResponse fromPng = classifier.classifyBatch(png.build());
            ClassifyBatchResponse fromRaw = classifier.classifyBatch(raw.build());
            for (int i = 0; i < 1000; i++) {
                ClassifyResponse answer = fromPng.getResults(i);
                assertThat(answer.getProbabilitiesList()).as("test image %d", from + i)
                        .isEqualTo(fromRaw.getResults(i).getProbabilitiesList());
                assertThat(answer.getExplanation().getConversion()).isEqualTo("as-sent");
                assertThat(answer.getExplanation().getPixels().toByteArray()).isEqualTo(levels(from + i));
                assertThat(fromRaw.getResults(i).hasExplanation()).as("only when asked").isFalse();
            }
        }
    }

    @Test
    void aStudioPhotoIsConvertedAndExplained() throws Exception {
        TestArtefacts.awaitLive(v2, model.manifest().version());
        // 640x480: read subsampled by 2, so the garment's box comes back in the photo's own pixels
        BufferedImage photo = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = photo.createGraphics();
        g.setColor(new Color(238, 238, 236));
        g.fillRect(0, 0, 640, 480);
        g.setColor(new Color(30, 40, 90));
        g.fillRect(400, 80, 160, 320);
        g.dispose();
        for (Conversion conversion : new Conversion[] {Conversion.CONVERSION_AUTO, Conversion.CONVERSION_PHOTO}) {
            InputExplanation explanation = classifier.classify(ClassifyRequest.newBuilder()
                    .setImage(encoded(photo, "png")).setConversion(conversion).setExplain(true).build()).getExplanation();
            assertThat(explanation.getConversion()).isEqualTo("photo");
            assertThat(explanation.getSourceWidth()).isEqualTo(640);
            assertThat(explanation.getSourceHeight()).isEqualTo(480);
            assertThat(explanation.getNegated()).isTrue();
            assertThat(explanation.getBackground()).isBetween(236, 238);
            assertThat(explanation.getGarmentX()).isEqualTo(400);
            assertThat(explanation.getGarmentY()).isEqualTo(80);
            assertThat(explanation.getGarmentWidth()).isEqualTo(160);
            assertThat(explanation.getGarmentHeight()).isEqualTo(320);
            byte[] pixels = explanation.getPixels().toByteArray();
            assertThat(pixels[14 * SIDE + 14] & 0xff).as("the garment, light").isEqualTo(255);
            assertThat(pixels[14 * SIDE + 2]).as("the background, black").isZero();
        }
        InputExplanation none = classifier.classify(ClassifyRequest.newBuilder().setImage(encoded(photo, "png"))
                .setConversion(Conversion.CONVERSION_NONE).setResize(true).setExplain(true).build()).getExplanation();
        assertThat(none.getConversion()).isEqualTo("none");
        assertThat(none.getPixels().byteAt(0) & 0xff).as("gray levels as sent: the light background").isGreaterThan(200);
    }

    @Test
    void aDatasetImageWithALightBorderOrTransparencyIsTakenForAPhoto() throws Exception {
        TestArtefacts.awaitLive(v2, model.manifest().version());
        byte[] negated = levels(0);
        for (int i = 0; i < negated.length; i++) {
            negated[i] = (byte) (255 - (negated[i] & 0xff));
        }
        BufferedImage light = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        light.getRaster().setDataElements(0, 0, SIDE, SIDE, negated);
        InputExplanation explanation = classifier.classify(ClassifyRequest.newBuilder().setImage(encoded(light, "png"))
                .setExplain(true).build()).getExplanation();
        assertThat(explanation.getConversion()).isEqualTo("photo");
        assertThat(explanation.getNegated()).isTrue();

        // a dark garment cut out on transparency: composited on white, so light, so negated
        BufferedImage cutout = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_INT_ARGB);
        Graphics2D g = cutout.createGraphics();
        g.setColor(Color.DARK_GRAY);
        g.fillRect(8, 4, 12, 20);
        g.dispose();
        InputExplanation transparent = classifier.classify(ClassifyRequest.newBuilder()
                .setImage(encoded(cutout, "png")).setExplain(true).build()).getExplanation();
        assertThat(transparent.getConversion()).isEqualTo("photo");
        assertThat(transparent.getNegated()).isTrue();
        assertThat(transparent.getPixels().byteAt(0)).as("the transparent corner, black").isZero();
        assertThat(transparent.getPixels().byteAt(14 * SIDE + 14) & 0xff).as("the garment, light").isEqualTo(255);
    }
}
