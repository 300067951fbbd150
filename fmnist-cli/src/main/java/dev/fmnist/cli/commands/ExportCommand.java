package dev.fmnist.cli.commands;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.contract.data.ExtraDataset;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionRecord;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fmnist feedback export}: closes the loop. The predictions whose pixels the service captured and that got a
 * label become a dataset in Fashion-MNIST's training format, which an experiment request names as
 * {@code extraData.path}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write the captured images that got a label as a dataset: reads the predictions topic (records",
            "with pixels only: capture is off unless an operator turns it on, the pixels are personal data) and the",
            "feedback topic, joins them by prediction id (the first label counts), and writes DIR/train-images-idx3-ubyte",
            "and DIR/train-labels-idx1-ubyte (Fashion-MNIST's format, for an experiment's extraData.path),",
            "DIR/png/LABEL/PREDICTION_ID.png to look at, and DIR/manifest.json (counts per class, topics, time range)."},
        footer = {"%nExamples:", "  fmnist feedback export --out mine/", "  fmnist feedback export --out mine/ --model better --since 7d --max 5000",
            ExitCode.HELP_FOOTER})
public final class ExportCommand implements Callable<Integer> {

    /** The most images one export may hold: what an extra dataset may hold. */
    public static final int MAX_IMAGES = ExtraDataset.MAX_IMAGES;
    /** Labels held while the predictions are read: far more than a month of reviews, still a bounded map. */
    static final int MAX_LABELS = 2_000_000;
    public static final String MANIFEST = "manifest.json";
    public static final String PNG_DIR = "png";

    @Spec
    CommandSpec spec;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "a new or empty folder to write the dataset to (created if missing)")
    Path out;

    @Option(names = {"-m", "--model"}, paramLabel = "NAME", description = "only the predictions of this served model")
    String model;

    @Option(names = "--since", paramLabel = "DURATION",
            description = "only predictions made this long ago or later, such as 7d, 24h or 1h30m (default: all the topic holds)")
    String since;

    @Option(names = "--max", paramLabel = "N", defaultValue = "100000",
            description = "stop at N images (1 to 100000, default: ${DEFAULT-VALUE})")
    int max;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    /** DIR/manifest.json, and what --output json prints. */
    record Manifest(String dir, int images, Map<String, Integer> perClass, int[] counts, String model, String since,
            String from, String to, Map<String, String> topics, String imagesFile, String labelsFile,
            int labels, int unreadable, boolean stoppedAtMax, String exportedAt) {}

    /** One labelled captured image. */
    private record Labelled(String predictionId, Instant at, byte[] pixels, int label) {}

    @Override
    public Integer call() {
        if (max < 1 || max > MAX_IMAGES) {
            throw new CliException(ExitCode.USAGE, "--max: expected 1 to " + MAX_IMAGES + ", got " + max);
        }
        Duration window = since == null ? null : DashboardsCommand.duration("--since", since);
        requireEmptyFolder(out);
        Instant cutoff = window == null ? Instant.MIN : Instant.now().minus(window);
        String predictionsTopic = Topic.PREDICTIONS.name(kafka.topicPrefix);
        String feedbackTopic = Topic.FEEDBACK.name(kafka.topicPrefix);
        Broker broker = new Broker(kafka);
        int[] unreadable = new int[1];

        // the labels first: they are small, and the predictions can then be kept only when labelled
        Map<String, Integer> labels = new HashMap<>();
        boolean[] tooManyLabels = new boolean[1];
        broker.readToEnd(feedbackTopic, skippingTombstones(FeedbackRecord::parse), feedback -> {
            if (labels.size() >= MAX_LABELS && !labels.containsKey(feedback.predictionId())) {
                tooManyLabels[0] = true;
                return false;
            }
            // a key's records keep their order: the first label counts, later ones are repeats (as live accuracy has it)
            labels.putIfAbsent(feedback.predictionId(), feedback.label());
            return true;
        }, (record, refusal) -> unreadable[0]++);
        if (tooManyLabels[0]) {
            spec.commandLine().getErr().printf("fmnist: more than %d labels on %s: the rest are not used%n", MAX_LABELS,
                    feedbackTopic);
        }

        List<Labelled> kept = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean[] full = new boolean[1];
        broker.readToEnd(predictionsTopic, skippingTombstones(PredictionRecord::parse), prediction -> {
            if (prediction.capturedPixels().isEmpty() || prediction.at().isBefore(cutoff)
                    || (model != null && !model.equals(prediction.model()))) {
                return true;
            }
            Integer label = labels.get(prediction.predictionId());
            // a shadow answer carries the same image under the same id: one image, once
            if (label == null || !seen.add(prediction.predictionId())) {
                return true;
            }
            kept.add(new Labelled(prediction.predictionId(), prediction.at(), prediction.capturedPixels().get(), label));
            full[0] = kept.size() >= max;
            return !full[0];
        }, (record, refusal) -> unreadable[0]++);

        if (kept.isEmpty()) {
            throw new CliException(ExitCode.NOT_FOUND, "no captured image with a label on " + predictionsTopic + " and "
                    + feedbackTopic + (model == null ? "" : " for model " + model) + (since == null ? "" : " in the last "
                    + since) + " (" + labels.size() + " labels; the service captures pixels only with "
                    + "fmnist.predictions.capture-pixels=true)");
        }
        kept.sort(Comparator.comparing(Labelled::at).thenComparing(Labelled::predictionId));
        Manifest manifest = write(kept, labels.size(), unreadable[0], full[0], predictionsTopic, feedbackTopic);
        PrintWriter printed = spec.commandLine().getOut();
        if (output.json()) {
            Json.print(printed, manifest);
            return ExitCode.OK;
        }
        printed.printf("exported %d labelled image%s to %s (%s to %s)%s%n", manifest.images(),
                manifest.images() == 1 ? "" : "s", out, manifest.from(), manifest.to(),
                manifest.stoppedAtMax() ? ", stopped at --max " + max : "");
        StringBuilder perClass = new StringBuilder();
        manifest.perClass().forEach((name, count) -> perClass.append(perClass.length() == 0 ? "" : ", ")
                .append(name).append(' ').append(count));
        printed.println("  " + perClass);
        if (manifest.unreadable() > 0) {
            printed.printf("  %d unreadable record%s skipped%n", manifest.unreadable(), manifest.unreadable() == 1 ? "" : "s");
        }
        printed.printf("  train on them with: fmnist submit --extra-data %s (a path the trainer can read)%n",
                out.toAbsolutePath());
        return ExitCode.OK;
    }

    /** A tombstone deletes a key: nothing to export, and not unreadable either. */
    private static <T> Broker.Parser<T> skippingTombstones(Broker.Parser<T> parser) {
        return (key, value) -> value == null ? null : parser.parse(key, value);
    }

    private Manifest write(List<Labelled> kept, int labelCount, int unreadable, boolean full, String predictionsTopic,
            String feedbackTopic) {
        int n = kept.size();
        byte[] images = new byte[n * FashionMnist.PIXELS];
        byte[] labelBytes = new byte[n];
        int[] counts = new int[FashionMnist.CLASSES];
        try {
            Files.createDirectories(out);
            for (int i = 0; i < n; i++) {
                Labelled image = kept.get(i);
                System.arraycopy(image.pixels(), 0, images, i * FashionMnist.PIXELS, FashionMnist.PIXELS);
                labelBytes[i] = (byte) image.label();
                counts[image.label()]++;
                Path folder = Files.createDirectories(out.resolve(PNG_DIR).resolve(Integer.toString(image.label())));
                png(image.pixels(), folder.resolve(image.predictionId() + ".png"));
            }
            ExtraDataset.write(out, new FashionMnist.Split(images, labelBytes));
            Map<String, Integer> perClass = new LinkedHashMap<>();
            for (int c = 0; c < FashionMnist.CLASSES; c++) {
                perClass.put(FashionMnist.CLASS_NAMES[c], counts[c]);
            }
            Map<String, String> topics = new LinkedHashMap<>();
            topics.put("predictions", predictionsTopic);
            topics.put("feedback", feedbackTopic);
            Manifest manifest = new Manifest(out.toString(), n, perClass, counts, model, since,
                    kept.get(0).at().toString(),
                    kept.get(n - 1).at().toString(), topics, ExtraDataset.IMAGES, ExtraDataset.LABELS, labelCount,
                    unreadable, full, Instant.now().toString());
            Files.writeString(out.resolve(MANIFEST), Json.MAPPER.writerWithDefaultPrettyPrinter()
                    .writeValueAsString(manifest) + System.lineSeparator());
            return manifest;
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "--out " + out + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** The folder must be new or empty: an export never mixes with, or writes over, another. */
    private static void requireEmptyFolder(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new CliException(ExitCode.USAGE, "--out " + dir + ": a file, not a folder");
        }
        try (Stream<Path> entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new CliException(ExitCode.USAGE, "--out " + dir + ": not empty (name a new or empty folder: an "
                        + "export never writes over another)");
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "--out " + dir + ": cannot read the folder (" + e.getMessage() + ")", e);
        }
    }

    private static void png(byte[] pixels, Path file) throws IOException {
        BufferedImage image = new BufferedImage(FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE,
                BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE, pixels);
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer in this Java runtime");
        }
    }
}
