package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.PhotoRenders;
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
    /** Photos per style, sent this many a request (a 640-pixel noisy PNG is most of a megabyte). */
    private static final int PHOTOS = 300;
    private static final int PHOTO_BATCH = 10;
    /** How much accuracy the photos may lose against the same images as pixels. */
    private static final double MAX_PHOTO_LOSS = 0.05;
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

    /**
     * The project's own photo test set: renders of test images in every style (seeded), sent with the
     * plain encoded call. The converted photos must be classified nearly as well as the images
     * themselves, by the same model (a small MLP here; docs/RESULTS.md has the served BetterNet's figures).
     */
    @Test
    void productPhotosOfTestImagesAreClassifiedNearlyAsWellAsTheImagesThemselves() throws Exception {
        TestArtefacts.awaitLive(v2, model.manifest().version());
        ClassifyBatchRequest.Builder raw = ClassifyBatchRequest.newBuilder();
        for (int i = 0; i < PHOTOS; i++) {
            raw.addImages(Image.newBuilder().setRawUint8(ByteString.copyFrom(levels(i))));
        }
        double rawAccuracy = accuracy(classifier.classifyBatch(raw.build()), 0);
        for (PhotoRenders.Style style : PhotoRenders.Style.values()) {
            int correct = 0;
            for (int from = 0; from < PHOTOS; from += PHOTO_BATCH) {
                ClassifyBatchRequest.Builder photos = ClassifyBatchRequest.newBuilder();
                for (int i = from; i < from + PHOTO_BATCH; i++) {
                    photos.addImages(Image.newBuilder().setEncoded(ByteString.copyFrom(PhotoRenders.encoded(
                            DATA.test().images(), i * FashionMnist.PIXELS, style, i))));
                }
                correct += Math.round(accuracy(classifier.classifyBatch(photos.build()), from) * PHOTO_BATCH);
            }
            double photoAccuracy = correct / (double) PHOTOS;
            System.out.printf("photos %-10s accuracy %.3f (the same images as pixels: %.3f)%n", style.id(),
                    photoAccuracy, rawAccuracy);
            assertThat(photoAccuracy).as("%s photos against %s as pixels", style.id(), rawAccuracy)
                    .isGreaterThan(rawAccuracy - MAX_PHOTO_LOSS);
        }
    }

    private static double accuracy(ClassifyBatchResponse response, int from) {
        int correct = 0;
        for (int i = 0; i < response.getResultsCount(); i++) {
            if (response.getResults(i).getClassIndex() == DATA.test().labels()[from + i]) {
                correct++;
            }
        }
        return correct / (double) response.getResultsCount();
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
