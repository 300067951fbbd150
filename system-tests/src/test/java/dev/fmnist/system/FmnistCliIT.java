package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistFile;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.kafka.NeedsBroker;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every verb against the real stack: the broker from .ci/run and both services started from their
 * packaged jars on topics of their own. Ordered: later verbs use the experiment the first trains.
 */
@NeedsBroker
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FmnistCliIT {

    /** The test images, where the product finds them ($FMNIST_DATA_DIR, ./data/fashion-mnist, Debian's). */
    private static final Path TEST_IMAGES = IdxFixtures.realFile(FashionMnistFile.TEST_IMAGES);
    private static final Path TEST_LABELS = IdxFixtures.realFile(FashionMnistFile.TEST_LABELS);
    private static TestStack stack;
    private static String mlpId;

    @TempDir
    static Path dir;

    @BeforeAll
    static void startStack() throws Exception {
        stack = new TestStack().start();
        mlpId = stack.prefix + "-mlp";
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private static CapturedRun cli(String... args) {
        return CliRun.with(stack.connection(), args);
    }

    private static CapturedRun grpcCli(String... args) {
        return CliRun.with(stack.grpcOnly(), args);
    }

    private static CapturedRun kafkaCli(String... args) {
        return CliRun.with(stack.kafkaOnly(), args);
    }

    @Test
    @Order(1)
    void submitWatchDrawsProgressPrintsEveryEpochAndExitsZeroOnSuccess() throws IOException {
        CapturedRun run = kafkaCli("submit", "--id", mlpId, "-a", "mlp", "--epochs", "2", "--batch-size", "100",
                "--train-limit", "30000", "--seed", "7", "--tag", "purpose=cli-test", "--watch", "--progress", "always");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).startsWith(mlpId + "\n")
                .contains("QUEUED    mlp, 2 epochs, tags {purpose=cli-test}", "RUNNING   on " + stack.trainerDevice())
                .containsPattern("epoch 1/2 \\[[#.]{24}\\] \\d+/300 batches  \\d+ img/s  ETA \\d+:\\d\\d \\(run \\d+:\\d\\d\\)")
                .containsPattern("  epoch 1/2  loss \\d\\.\\d{4}  train 0\\.\\d{4}  test 0\\.\\d{4}")
                .contains("  epoch 2/2  loss ").containsPattern("SUCCEEDED in \\d+:\\d\\d, artefact [0-9a-f]{12} test accuracy 0\\.\\d{4} \\(best epoch 0\\.\\d{4}\\)");
    }

    @Test
    @Order(2)
    void watchReplaysAFinishedExperimentAndJsonIsOneEventPerLine() throws Exception {
        CapturedRun replay = kafkaCli("watch", mlpId);
        assertThat(replay.exitCode()).isZero();
        assertThat(replay.out()).contains("  epoch 2/2  loss ", "SUCCEEDED in");

        CapturedRun json = kafkaCli("watch", mlpId, "-o", "json");
        assertThat(json.exitCode()).isZero();
        List<String> types = new ArrayList<>();
        for (String line : json.out().lines().toList()) {
            JsonNode event = Json.MAPPER.readTree(line);
            assertThat(event.get("experimentId").asText()).isEqualTo(mlpId);
            types.add(event.get("type").asText());
        }
        assertThat(types).startsWith("QUEUED", "RUNNING").endsWith("EPOCH", "SUCCEEDED");
    }

    @Test
    @Order(3)
    void listAndShowInHumanFormAndTheirJsonShapes() throws Exception {
        CapturedRun list = kafkaCli("list");
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).startsWith("ID").containsPattern(mlpId + " +SUCCEEDED +mlp +2/2 +0\\.\\d{4} +\\d+:\\d\\d ");

        JsonNode rows = Json.MAPPER.readTree(kafkaCli("list", "-o", "json").out());
        JsonNode row = rows.get(rows.size() - 1);
        assertThat(fields(row)).isEqualTo(Set.of("experimentId", "status", "architecture", "epochsDone", "epochs",
                "artefactTestAccuracy", "bestEpochTestAccuracy", "durationSeconds", "queuedAt", "endedAt", "worker"));
        assertThat(row.get("status").asText()).isEqualTo("SUCCEEDED");

        CapturedRun show = kafkaCli("show", mlpId);
        assertThat(show.out()).contains("Status:        SUCCEEDED", "Architecture:  mlp", "Tags:          {purpose=cli-test}")
                .containsPattern("2/2 +\\d\\.\\d{4} +0\\.\\d{4} +0\\.\\d{4}");
        JsonNode record = Json.MAPPER.readTree(kafkaCli("show", mlpId, "-o", "json").out());
        assertThat(fields(record)).isEqualTo(Set.of("experimentId", "status", "architecture", "epochsDone", "epochs",
                "artefactTestAccuracy", "bestEpochTestAccuracy", "durationSeconds", "queuedAt", "startedAt", "endedAt", "device", "worker",
                "artefactVersion", "tags", "epochMetrics"));
        assertThat(fields(record.get("epochMetrics").get(0))).isEqualTo(Set.of("epoch", "loss", "trainAccuracy",
                "testAccuracy", "epochSeconds", "imagesPerSecond"));

        CapturedRun missing = kafkaCli("show", "no-such-experiment");
        assertThat(missing.exitCode()).isEqualTo(ExitCode.NOT_FOUND);
        assertThat(missing.err()).startsWith("fmnist: no experiment 'no-such-experiment'");
    }

    @Test
    @Order(4)
    void modelsMarksTheServedArtefactLive() throws Exception {
        JsonNode live = null;
        for (int attempt = 0; attempt < 120 && live == null; attempt++) {
            for (JsonNode model : Json.MAPPER.readTree(cli("models", "-o", "json").out())) {
                if (model.path("live").asBoolean(false)) {
                    live = model;
                }
            }
            if (live == null) {
                Thread.sleep(500);
            }
        }
        assertThat(live).as("a live artefact").isNotNull();
        assertThat(live.get("experimentId").asText()).isEqualTo(mlpId);
        assertThat(fields(live)).isEqualTo(Set.of("model", "architecture", "version", "experimentId", "testAccuracy",
                "parameterCount", "createdAt", "bytes", "offset", "published", "live"));
        assertThat(cli("models").out()).containsPattern("mlp +[0-9a-f]{12} +" + mlpId + " +0\\.\\d{4} +159010 .* \\*");
    }

    @Test
    @Order(5)
    void classifyIdxAndPngFilesInBatches() throws Exception {
        CapturedRun idx = grpcCli("classify", TEST_IMAGES.toString(), "--labels", TEST_LABELS.toString(), "--limit", "600",
                "--top", "3", "-o", "json");
        assertThat(idx.exitCode()).as(idx.toString()).isZero();
        JsonNode answers = Json.MAPPER.readTree(idx.out());
        assertThat(answers).hasSize(600); // two ClassifyBatch calls
        JsonNode first = answers.get(0);
        assertThat(fields(first)).isEqualTo(Set.of("image", "classIndex", "className", "probability", "top", "label",
                "modelVersion", "predictionId"));
        assertThat(first.get("predictionId").asText()).matches("[0-9a-f]{32}\\.[0-9]+"); // image i of a ClassifyBatch
        assertThat(first.get("top")).hasSize(3);
        assertThat(List.of(FashionMnist.CLASS_NAMES)).contains(first.get("className").asText());

        byte[] pixels = firstTestImage();
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, 28, 28, pixels);
        Path png = dir.resolve("first.png");
        ImageIO.write(image, "png", png.toFile());
        CapturedRun human = grpcCli("classify", png.toString(), "--top", "2");
        assertThat(human.exitCode()).isZero();
        assertThat(human.out()).contains("first.png  " + first.get("className").asText());
    }

    @Test
    @Order(6)
    void reportWritesCurvesAConfusionMatrixOfTheServedModelAndASummary() throws Exception {
        Path out = dir.resolve("report");
        CapturedRun run = cli("report", mlpId, "--out", out.toString(), "-o", "json");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        JsonNode result = Json.MAPPER.readTree(run.out());
        assertThat(result.get("files").toString()).isEqualTo(
                "[\"loss.png\",\"accuracy.png\",\"confusion.png\",\"summary.md\"]");
        assertPng(out.resolve("loss.png"), 800, 500);
        assertPng(out.resolve("accuracy.png"), 800, 500);
        assertPng(out.resolve("confusion.png"), 800, 800);
        // the served model is this experiment's, on the same test set: the manifest's accuracy exactly
        JsonNode show = Json.MAPPER.readTree(kafkaCli("show", mlpId, "-o", "json").out());
        double trained = show.get("epochMetrics").get(1).get("testAccuracy").asDouble();
        assertThat(result.get("confusion").get("accuracy").asDouble()).isCloseTo(trained,
                org.assertj.core.data.Offset.offset(0.001));
        assertThat(result.get("confusion").get("images").asInt()).isEqualTo(10_000);
        assertThat(Files.readString(out.resolve("summary.md"))).contains("# Experiment " + mlpId, "![confusion.png]");
    }

    @Test
    @Order(7)
    void aSweepIsWatchedRunByRunAndReportedWithItsCurve() throws Exception {
        String sweepId = stack.prefix + "-sweep";
        CapturedRun run = kafkaCli("submit", "--id", sweepId, "-a", "mlp", "--sweep", "learningRate=0.001,0.003",
                "--epochs", "1", "--train-limit", "2000", "--batch-size", "500", "--watch");
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("[" + sweepId + "/learningRate=0.001] SUCCEEDED",
                "[" + sweepId + "/learningRate=0.003] SUCCEEDED").containsPattern("VALUE +EXPERIMENT +STATUS +TEST ACC");

        Path out = dir.resolve("sweep-report");
        CapturedRun report = kafkaCli("report", sweepId, "--out", out.toString(), "--no-confusion");
        assertThat(report.exitCode()).as(report.toString()).isZero();
        assertPng(out.resolve("sweep.png"), 800, 500);
        assertThat(Files.readString(out.resolve("summary.md"))).contains("## Runs", sweepId + "/learningRate=0.003");
    }

    @Test
    @Order(8)
    void aCancelledExperimentEndsCancelledAndWatchSaysSoWithExit11() {
        String id = stack.prefix + "-cancel";
        assertThat(kafkaCli("submit", "--id", id, "-a", "mlp", "--epochs", "100").exitCode()).isZero();
        CapturedRun cancel = kafkaCli("cancel", id);
        assertThat(cancel.exitCode()).as(cancel.toString()).isZero();
        assertThat(cancel.out()).startsWith("cancel sent for " + id);

        CapturedRun watch = kafkaCli("watch", id);
        assertThat(watch.exitCode()).as(watch.toString()).isEqualTo(ExitCode.CANCELLED);
        assertThat(watch.out()).contains("CANCELLED: ");
        assertThat(kafkaCli("cancel", id).out()).isEqualTo(id + " already ended CANCELLED; nothing to cancel\n");
    }

    private static byte[] firstTestImage() {
        return java.util.Arrays.copyOf(dev.fmnist.contract.data.IdxFile.read(TEST_IMAGES).payload(), FashionMnist.PIXELS);
    }

    private static void assertPng(Path file, int width, int height) throws Exception {
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as(file + " is a PNG").isNotNull();
        assertThat(image.getWidth()).isEqualTo(width);
        assertThat(image.getHeight()).isEqualTo(height);
    }

    private static Set<String> fields(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
