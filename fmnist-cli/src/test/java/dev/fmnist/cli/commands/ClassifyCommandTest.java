package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.InputExplanation;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fmnist classify} against a fake fmnist.v1.Classifier on a loopback port: what the command asks (resize,
 * conversion, explain), and what it does with the explanations the fake answers (the PNGs, the line, the JSON).
 */
class ClassifyCommandTest {

    @TempDir
    Path dir;

    private final FakeClassifier fake = new FakeClassifier();
    private Server server;

    @BeforeEach
    void start() throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(fake).build().start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void aPhotoOfAnySizeNeedsNoFlag() throws Exception {
        Path photo = png(dir.resolve("shirt.png"), 280, 280);

        CapturedRun run = classify(photo.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(fake.requests).hasSize(1);
        ClassifyBatchRequest request = fake.requests.get(0);
        assertThat(request.getResize()).as("resize is the default").isTrue();
        assertThat(request.getConversion()).isEqualTo(Conversion.CONVERSION_AUTO);
        assertThat(request.getExplain()).isFalse();
        assertThat(request.getModel()).isEmpty();
        assertThat(request.getImages(0).getEncoded().toByteArray()).as("the file as it is").isEqualTo(Files.readAllBytes(photo));
        assertThat(run.out()).contains("shirt.png", FakeClassifier.className(0)).doesNotContain("MODEL INPUT");
    }

    @Test
    void conversionAndResizeFlagsMapOntoTheRequest() throws Exception {
        Path photo = png(dir.resolve("boot.png"), 64, 40);
        record Case(List<String> flags, Conversion conversion, boolean resize) {}
        List<Case> cases = List.of(
                new Case(List.of("--conversion", "auto"), Conversion.CONVERSION_AUTO, true),
                new Case(List.of("--conversion", "photo"), Conversion.CONVERSION_PHOTO, true),
                new Case(List.of("--conversion", "PHOTO", "--resize"), Conversion.CONVERSION_PHOTO, true),
                new Case(List.of("--conversion", "none"), Conversion.CONVERSION_NONE, true),
                new Case(List.of("--conversion", "none", "--no-resize"), Conversion.CONVERSION_NONE, false),
                new Case(List.of("--no-resize"), Conversion.CONVERSION_AUTO, false));
        for (Case c : cases) {
            fake.requests.clear();
            List<String> args = new ArrayList<>(c.flags());
            args.addAll(List.of(photo.toString(), "--model", "mlp"));

            CapturedRun run = classify(args.toArray(String[]::new));

            assertThat(run.exitCode()).as(c + "\n" + run).isZero();
            assertThat(fake.requests).as(c.toString()).singleElement().satisfies(request -> {
                assertThat(request.getConversion()).isEqualTo(c.conversion());
                assertThat(request.getResize()).isEqualTo(c.resize());
                assertThat(request.getModel()).isEqualTo("mlp");
            });
        }

        fake.requests.clear();
        CapturedRun unknown = classify(photo.toString(), "--conversion", "sepia");
        assertThat(unknown.exitCode()).as(unknown.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.err()).contains("--conversion", "sepia", "auto, photo, none");
        assertThat(fake.requests).as("nothing sent").isEmpty();
    }

    @Test
    void explainWritesWhatTheModelReadAndSaysWhatTheConversionDid() throws Exception {
        // two photos of one name in two folders, and an idx file of two images the server reads as sent
        Path first = png(Files.createDirectories(dir.resolve("a")).resolve("shirt.png"), 280, 280);
        Path second = png(Files.createDirectories(dir.resolve("b")).resolve("shirt.png"), 640, 480);
        Path idx = idx(dir.resolve("tiny.idx"), 2);
        Path out = dir.resolve("seen/nested");

        CapturedRun run = classify(first.toString(), second.toString(), idx.toString(), "--explain", out.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(fake.requests).singleElement().satisfies(request -> assertThat(request.getExplain()).isTrue());
        String[] stems = {"shirt", "shirt-2", "tiny-0", "tiny-1"};
        for (int i = 0; i < stems.length; i++) {
            byte[] expected = FakeClassifier.pixels(i);
            BufferedImage input = ImageIO.read(out.resolve(stems[i] + ".model-input.png").toFile());
            assertThat(input.getWidth()).isEqualTo(28);
            assertThat(input.getHeight()).isEqualTo(28);
            assertThat(grays(input)).as(stems[i] + ": the levels the server says the model read").isEqualTo(expected);

            BufferedImage enlarged = ImageIO.read(out.resolve(stems[i] + ".model-input-x8.png").toFile());
            assertThat(enlarged.getWidth()).isEqualTo(224);
            assertThat(enlarged.getHeight()).isEqualTo(224);
            byte[] big = grays(enlarged);
            for (int y = 0; y < 224; y++) {
                for (int x = 0; x < 224; x++) {
                    assertThat(big[y * 224 + x]).as("%s x8 at (%d,%d)", stems[i], x, y).isEqualTo(expected[(y / 8) * 28 + x / 8]);
                }
            }
        }
        try (Stream<Path> written = Files.list(out)) {
            assertThat(written).hasSize(8);
        }
        assertThat(run.out().lines().filter(l -> l.startsWith("shirt.png")).toList()).satisfiesExactly(
                l -> assertThat(l).contains(out.resolve("shirt.model-input.png").toString(),
                        "photo: light background 241 negated, garment 20x30 at (3,5) of 280x280 -> 28x28"),
                l -> assertThat(l).contains(out.resolve("shirt-2.model-input.png").toString(),
                        "photo: light background 241 negated, garment 21x30 at (4,5) of 640x480 -> 28x28"));
        assertThat(run.out().lines().filter(l -> l.startsWith("tiny.idx#1")).findFirst().orElseThrow())
                .contains(out.resolve("tiny-1.model-input.png").toString()).endsWith("as-sent");
        assertThat(run.out()).contains("wrote what the model read to " + out);
    }

    @Test
    void explainInJsonCarriesTheExplanationAndThePaths() throws Exception {
        Path photo = png(dir.resolve("shirt.png"), 280, 280);
        Path out = dir.resolve("seen");

        CapturedRun run = classify(photo.toString(), "--explain", out.toString(), "-o", "json");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode explanation = Json.MAPPER.readTree(run.out()).get(0).get("explanation");
        assertThat(explanation.get("conversion").asText()).isEqualTo("photo");
        assertThat(explanation.get("summary").asText())
                .isEqualTo("photo: light background 241 negated, garment 20x30 at (3,5) of 280x280 -> 28x28");
        assertThat(explanation.get("sourceWidth").asInt()).isEqualTo(280);
        assertThat(explanation.get("sourceHeight").asInt()).isEqualTo(280);
        assertThat(explanation.get("background").asInt()).isEqualTo(241);
        assertThat(explanation.get("negated").asBoolean()).isTrue();
        assertThat(explanation.get("garment")).isEqualTo(Json.MAPPER.readTree("{\"x\":3,\"y\":5,\"width\":20,\"height\":30}"));
        assertThat(Base64.getDecoder().decode(explanation.get("pixels").asText())).isEqualTo(FakeClassifier.pixels(0));
        assertThat(explanation.get("modelInput").asText()).isEqualTo(out.resolve("shirt.model-input.png").toString());
        assertThat(explanation.get("modelInputEnlarged").asText()).isEqualTo(out.resolve("shirt.model-input-x8.png").toString());
        assertThat(out.resolve("shirt.model-input.png")).isRegularFile();
    }

    @Test
    void explainIntoAFileIsAClearUsageErrorBeforeAnythingIsSent() throws Exception {
        Path photo = png(dir.resolve("shirt.png"), 28, 28);
        Path file = Files.writeString(dir.resolve("notes.txt"), "mine");

        CapturedRun intoFile = classify(photo.toString(), "--explain", file.toString());
        assertThat(intoFile.exitCode()).as(intoFile.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(intoFile.err()).startsWith("fmnist: --explain " + file + ": a file, not a folder");
        assertThat(intoFile.err().lines().count()).isEqualTo(1);

        CapturedRun under = classify(photo.toString(), "--explain", file.resolve("seen").toString());
        assertThat(under.exitCode()).as(under.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(under.err()).startsWith("fmnist: --explain " + file.resolve("seen") + ": cannot create the folder");

        assertThat(fake.requests).as("nothing sent").isEmpty();
        assertThat(Files.readString(file)).as("left as it was").isEqualTo("mine");
    }

    @Test
    void anAnswerWithoutTheExplanationAskedForIsTheServersFault() throws Exception {
        fake.explains = false;
        Path photo = png(dir.resolve("shirt.png"), 280, 280);

        CapturedRun run = classify(photo.toString(), "--explain", dir.resolve("seen").toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.ERROR);
        assertThat(run.err()).contains("no explanation of shirt.png");
    }

    private CapturedRun classify(String... args) {
        List<String> all = new ArrayList<>(List.of("classify", "--target", "127.0.0.1:" + server.getPort(),
                "--grpc-timeout", "10"));
        all.addAll(List.of(args));
        return CapturedRun.of(all.toArray(String[]::new));
    }

    /** A light photo-like PNG of the size asked: a white canvas with a dark box. */
    private static Path png(Path file, int width, int height) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.DARK_GRAY);
        g.fillRect(width / 4, height / 4, width / 2, height / 2);
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    /** An idx images file of {@code n} 28x28 images. */
    private static Path idx(Path file, int n) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(16 + n * FashionMnist.PIXELS).putInt(0x00000803).putInt(n)
                .putInt(FashionMnist.IMAGE_SIDE).putInt(FashionMnist.IMAGE_SIDE);
        for (int i = 0; i < n * FashionMnist.PIXELS; i++) {
            bytes.put((byte) i);
        }
        return Files.write(file, bytes.array());
    }

    private static byte[] grays(BufferedImage image) {
        assertThat(image.getType()).as("8-bit gray").isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
        return (byte[]) image.getRaster().getDataElements(0, 0, image.getWidth(), image.getHeight(), null);
    }

    /**
     * Answers image {@code i} of a batch with class {@code (i + 3) % 10}; asked to explain, with {@link #pixels(int)}
     * and, for an encoded image, a photo conversion of the size it decodes to (garment {@code 20+i x 30} at
     * {@code (3+i, 5)}), for raw pixels "as-sent".
     */
    static final class FakeClassifier extends ClassifierGrpc.ClassifierImplBase {

        final List<ClassifyBatchRequest> requests = new CopyOnWriteArrayList<>();
        volatile boolean explains = true;

        static String className(int i) {
            return FashionMnist.CLASS_NAMES[(i + 3) % FashionMnist.CLASSES];
        }

        /** Levels no conversion would make: the test sees that the CLI wrote what the server sent. */
        static byte[] pixels(int i) {
            byte[] pixels = new byte[FashionMnist.PIXELS];
            for (int p = 0; p < pixels.length; p++) {
                pixels[p] = (byte) (p * 7 + i * 31);
            }
            return pixels;
        }

        @Override
        public void classifyBatch(ClassifyBatchRequest request, StreamObserver<ClassifyBatchResponse> answer) {
            requests.add(request);
            ClassifyBatchResponse.Builder response = ClassifyBatchResponse.newBuilder();
            for (int i = 0; i < request.getImagesCount(); i++) {
                int cls = (i + 3) % FashionMnist.CLASSES;
                ClassifyResponse.Builder one = ClassifyResponse.newBuilder().setClassIndex(cls)
                        .setClassName(FashionMnist.CLASS_NAMES[cls]).setModelVersion("fake00000000");
                for (int c = 0; c < FashionMnist.CLASSES; c++) {
                    one.addProbabilities(c == cls ? 0.91f : 0.01f);
                }
                if (request.getExplain() && explains) {
                    one.setExplanation(explanation(request.getImages(i), i));
                }
                response.addResults(one);
            }
            answer.onNext(response.build());
            answer.onCompleted();
        }

        private static InputExplanation explanation(Image image, int i) {
            InputExplanation.Builder e = InputExplanation.newBuilder().setPixels(ByteString.copyFrom(pixels(i)));
            if (!image.hasEncoded()) {
                return e.setConversion("as-sent").setSourceWidth(28).setSourceHeight(28).build();
            }
            try {
                BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.getEncoded().toByteArray()));
                return e.setConversion("photo").setSourceWidth(decoded.getWidth()).setSourceHeight(decoded.getHeight())
                        .setBackground(241).setNegated(true).setGarmentX(3 + i).setGarmentY(5).setGarmentWidth(20 + i)
                        .setGarmentHeight(30).build();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
