package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.data.ExtraDataset;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fmnist feedback export} against the broker of {@code bin/test}, on topics of its own: predictions (with and
 * without captured pixels, shadow copies, other models, old ones, garbage) and feedback written as the inference
 * service writes them, exported, and the dataset read back the way a trainer reads {@code extraData.path}.
 */
@NeedsBroker
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ExportCommandTest {

    private static final String SERVED = "aaaaaaaaaaaa";
    private static final String CANDIDATE = "bbbbbbbbbbbb";

    @TempDir
    Path dir;

    private String prefix;
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void topicsOfItsOwn() {
        prefix = TestTopics.fresh("export");
        producer = new KafkaProducer<>(KafkaClients.producer(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                TestTopics.bootstrap())), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterEach
    void closeProducer() {
        producer.close();
    }

    @Test
    void labelledCapturedImagesBecomeADatasetTheFirstLabelCounting() throws Exception {
        Instant now = Instant.now();
        String first = PredictionIds.newRequestId();
        String batch = PredictionIds.newRequestId();
        String second = batch + ".1";
        String notCaptured = PredictionIds.newRequestId();
        String unlabelled = PredictionIds.newRequestId();
        String otherModel = PredictionIds.newRequestId();
        String old = PredictionIds.newRequestId();
        predict(prediction(first, "mlp", now.minusSeconds(60), pixels(1)));
        predict(prediction(second, "mlp", now.minusSeconds(30), pixels(2)));
        predict(shadow(second, "mlp", now.minusSeconds(30), pixels(2))); // the same image, scored in shadow
        predict(prediction(notCaptured, "mlp", now.minusSeconds(20), null));
        predict(prediction(unlabelled, "mlp", now.minusSeconds(10), pixels(3)));
        predict(prediction(otherModel, "better", now.minusSeconds(5), pixels(4)));
        predict(prediction(old, "mlp", now.minus(Duration.ofDays(10)), pixels(5)));
        write(Topic.PREDICTIONS, "garbage", "{\"predictionId\":1}".getBytes(StandardCharsets.UTF_8));
        label(first, 2);
        label(first, 5); // a later label is a repeat: the first counts, as in the live accuracy
        label(second, 1);
        label(notCaptured, 4);
        label(otherModel, 7);
        label(old, 8);
        write(Topic.FEEDBACK, first, "not json".getBytes(StandardCharsets.UTF_8));

        Path out = dir.resolve("mine");
        CapturedRun run = cli("feedback", "export", "--out", out.toString(), "--model", "mlp", "--since", "7d");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("exported 2 labelled images to " + out, "Pullover 1", "Trouser 1",
                "2 unreadable records skipped");
        FashionMnist.Split read = ExtraDataset.read(out, "extraData.path");
        assertThat(read.labels()).as("oldest first, the first label of each").containsExactly(2, 1);
        assertThat(Arrays.copyOfRange(read.images(), 0, FashionMnist.PIXELS)).isEqualTo(pixels(1));
        assertThat(Arrays.copyOfRange(read.images(), FashionMnist.PIXELS, 2 * FashionMnist.PIXELS)).isEqualTo(pixels(2));
        BufferedImage png = ImageIO.read(out.resolve("png/2/" + first + ".png").toFile());
        assertThat(png.getWidth()).isEqualTo(28);
        assertThat((byte[]) png.getRaster().getDataElements(0, 0, 28, 28, null)).isEqualTo(pixels(1));
        assertThat(out.resolve("png/1/" + second + ".png")).isRegularFile();
        try (Stream<Path> pngs = Files.walk(out.resolve("png"))) {
            assertThat(pngs.filter(Files::isRegularFile)).hasSize(2);
        }
        JsonNode manifest = Json.MAPPER.readTree(out.resolve(ExportCommand.MANIFEST).toFile());
        assertThat(manifest.get("images").asInt()).isEqualTo(2);
        assertThat(manifest.get("perClass").get("Pullover").asInt()).isEqualTo(1);
        assertThat(manifest.get("perClass").get("Trouser").asInt()).isEqualTo(1);
        assertThat(manifest.get("perClass").get("Bag").asInt()).isZero();
        assertThat(manifest.get("topics").get("predictions").asText()).isEqualTo(Topic.PREDICTIONS.name(prefix));
        assertThat(manifest.get("topics").get("feedback").asText()).isEqualTo(Topic.FEEDBACK.name(prefix));
        assertThat(Instant.parse(manifest.get("from").asText())).isEqualTo(now.minusSeconds(60));
        assertThat(Instant.parse(manifest.get("to").asText())).isEqualTo(now.minusSeconds(30));
        assertThat(manifest.get("model").asText()).isEqualTo("mlp");

        // no filters: every labelled captured image (the old one and the other model's too), up to --max
        Path all = dir.resolve("all");
        CapturedRun unfiltered = cli("feedback", "export", "--out", all.toString(), "-o", "json");
        assertThat(unfiltered.exitCode()).as(unfiltered.toString()).isZero();
        assertThat(Json.MAPPER.readTree(unfiltered.out()).get("images").asInt()).isEqualTo(4);
        assertThat(ExtraDataset.read(all, "extraData.path").labels()).containsExactly(8, 2, 1, 7);

        Path capped = dir.resolve("capped");
        CapturedRun atMax = cli("feedback", "export", "--out", capped.toString(), "--max", "3", "-o", "json");
        assertThat(atMax.exitCode()).as(atMax.toString()).isZero();
        assertThat(Json.MAPPER.readTree(atMax.out()).get("stoppedAtMax").asBoolean()).isTrue();
        assertThat(ExtraDataset.check(capped, "extraData.path")).isEqualTo(3);
    }

    @Test
    void nothingToExportAFullFolderAndABadMaxAreRefused() throws Exception {
        String id = PredictionIds.newRequestId();
        predict(prediction(id, "mlp", Instant.now(), null));
        label(id, 3);

        Path out = dir.resolve("empty");
        CapturedRun none = cli("feedback", "export", "--out", out.toString());
        assertThat(none.exitCode()).as(none.toString()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(none.err()).contains("no captured image with a label", "1 labels",
                "fmnist.predictions.capture-pixels=true");
        assertThat(out).doesNotExist();

        Path full = Files.createDirectories(dir.resolve("full"));
        Files.writeString(full.resolve("notes.txt"), "mine");
        CapturedRun notEmpty = cli("feedback", "export", "--out", full.toString());
        assertThat(notEmpty.exitCode()).as(notEmpty.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(notEmpty.err()).startsWith("fmnist: --out " + full + ": not empty");

        CapturedRun badMax = cli("feedback", "export", "--out", out.toString(), "--max", "0");
        assertThat(badMax.exitCode()).as(badMax.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(badMax.err()).startsWith("fmnist: --max: expected 1 to 100000, got 0");
    }

    private CapturedRun cli(String... args) {
        return CapturedRun.of(Stream.concat(Stream.of(args), Stream.of("--bootstrap-servers", TestTopics.bootstrap(),
                "--topic-prefix", prefix)).toArray(String[]::new));
    }

    /** Levels of one image, different for each {@code seed}. */
    private static byte[] pixels(int seed) {
        byte[] pixels = new byte[FashionMnist.PIXELS];
        for (int p = 0; p < pixels.length; p++) {
            pixels[p] = (byte) (p * 13 + seed * 41);
        }
        return pixels;
    }

    private static PredictionRecord prediction(String predictionId, String model, Instant at, byte[] pixels) {
        return record(predictionId, model, SERVED, PredictionRole.SERVED, null, null, at, pixels);
    }

    private static PredictionRecord shadow(String predictionId, String model, Instant at, byte[] pixels) {
        return record(predictionId, model, CANDIDATE, PredictionRole.SHADOW, SERVED, 0, at, pixels);
    }

    private static PredictionRecord record(String predictionId, String model, String version, PredictionRole role,
            String servedVersion, Integer servedClass, Instant at, byte[] pixels) {
        String requestId = PredictionIds.requestIdOf(predictionId);
        int index = predictionId.equals(requestId) ? 0 : Integer.parseInt(predictionId.substring(33));
        float[] probabilities = new float[FashionMnist.CLASSES];
        Arrays.fill(probabilities, 0.01f);
        probabilities[0] = 0.91f;
        return new PredictionRecord(predictionId, requestId, index, model, version, role, 0, probabilities, "classify",
                RequestSource.RAW, 1200, at, servedVersion, servedClass, pixels);
    }

    private void predict(PredictionRecord record) {
        write(Topic.PREDICTIONS, record.predictionId(), record.toJson());
    }

    private void label(String predictionId, int label) {
        write(Topic.FEEDBACK, predictionId, FeedbackRecord.of(predictionId, label, FeedbackRecord.REVIEWER, null).toJson());
    }

    private void write(Topic topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic.name(prefix), key, value)).get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + topic.name(prefix), e);
        }
    }
}
