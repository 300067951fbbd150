package dev.fmnist.cli.commands;

import com.google.protobuf.ByteString;
import dev.fmnist.charts.SweepChart;
import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.history.ExperimentHistory;
import dev.fmnist.cli.history.ExperimentRecord;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Formats;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.output.SweepTable;
import dev.fmnist.cli.reports.Charts;
import dev.fmnist.cli.serving.GrpcOptions;
import dev.fmnist.cli.serving.InferenceClient;
import dev.fmnist.contract.data.DatasetException;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Image;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Learning curves from the events, the sweep curve for a sweep, and a confusion matrix of the served
 * model on the real test set through the inference service; with a Markdown summary linking them.
 */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write PNG plots and a Markdown summary of an experiment or sweep to a folder:",
            "loss.png, accuracy.png (per epoch), sweep.png (test accuracy against the swept value),",
            "confusion.png (the served model on the 10,000 test images, over gRPC) and summary.md."},
        footer = ExitCode.HELP_FOOTER)
public final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "experiment or sweep id")
    String id;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "folder for the report (created)")
    Path out;

    @Option(names = "--no-confusion", negatable = false, description = "skip the confusion matrix (needs the inference service)")
    boolean noConfusion;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "where the Fashion-MNIST files are (default: the usual places)")
    Path dataDir;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    GrpcOptions grpc;

    @Mixin
    OutputOptions output;

    /** The confusion matrix's model and score. */
    record Confusion(String modelVersion, String modelExperimentId, double accuracy, int images, int[][] counts) {}

    @Override
    public Integer call() throws IOException {
        Broker broker = new Broker(kafka);
        ExperimentHistory history = ExperimentHistory.read(broker);
        ExperimentRecord record = history.require(id, broker);
        List<ExperimentRecord> children = history.children(id);
        List<ExperimentRecord> runs = children.isEmpty() ? List.of(record) : children;
        Files.createDirectories(out);
        List<String> files = new ArrayList<>();
        if (runs.stream().anyMatch(r -> !r.getEpochMetrics().isEmpty())) {
            files.add(write("loss.png", Charts.loss(runs, "Training loss (" + id + ")")));
            files.add(write("accuracy.png", record.getSearch() != null
                    ? Charts.validationAccuracy(runs, "Train and validation accuracy per epoch (" + id + ")")
                    : Charts.accuracy(runs, "Accuracy per epoch (" + id + ")")));
        }
        if (record.getSweep() != null && record.getSweepDefinition() != null) {
            files.add(write("sweep.png", SweepChart.of(id, record.getSweepDefinition(), record.getSweep()).png()));
        }
        Confusion confusion = noConfusion ? null : confusion();
        if (confusion != null) {
            files.add(write("confusion.png", Charts.confusion(confusion.counts(), String.format(
                    "Confusion on the test set: model %s, accuracy %.4f", confusion.modelVersion(), confusion.accuracy()))));
        }
        files.add(write("summary.md", Markdown.summary(record, children, confusion, files).getBytes(StandardCharsets.UTF_8)));
        if (output.json()) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("experimentId", id);
            result.put("out", out.toAbsolutePath().toString());
            result.put("files", files);
            if (confusion != null) {
                result.put("confusion", Map.of("modelVersion", confusion.modelVersion(), "accuracy", confusion.accuracy(),
                        "images", confusion.images()));
            }
            Json.print(spec.commandLine().getOut(), result);
        } else {
            files.forEach(f -> spec.commandLine().getOut().println(out.resolve(f)));
            if (confusion != null && record.getArtefactVersion() != null
                    && !record.getArtefactVersion().equals(confusion.modelVersion())) {
                spec.commandLine().getErr().println("note: the confusion matrix is of the served model "
                        + confusion.modelVersion() + ", not of this experiment's artefact " + record.getArtefactVersion());
            }
        }
        return ExitCode.OK;
    }

    private Confusion confusion() {
        FashionMnist.Split test;
        try {
            FashionMnistLoader.Builder loader = FashionMnistLoader.builder();
            if (dataDir != null) {
                loader.optDataDir(dataDir);
            }
            test = loader.build().load().test();
        } catch (DatasetException e) {
            throw new CliException(ExitCode.NOT_FOUND, "test set for the confusion matrix: " + e.getMessage()
                    + " (--data-dir, or --no-confusion)", e);
        }
        List<Image> images = new ArrayList<>(test.size());
        for (int i = 0; i < test.size(); i++) {
            images.add(Image.newBuilder().setRawUint8(ByteString.copyFrom(test.images(), i * FashionMnist.PIXELS,
                    FashionMnist.PIXELS)).build());
        }
        List<ClassifyResponse> answers;
        String experimentId;
        try (InferenceClient client = new InferenceClient(grpc)) {
            experimentId = client.model().getExperimentId();
            answers = client.classify(images, false);
        }
        int[][] counts = new int[FashionMnist.CLASSES][FashionMnist.CLASSES];
        int correct = 0;
        for (int i = 0; i < answers.size(); i++) {
            int truth = test.labels()[i];
            int predicted = answers.get(i).getClassIndex();
            counts[truth][predicted]++;
            correct += truth == predicted ? 1 : 0;
        }
        return new Confusion(answers.get(0).getModelVersion(), experimentId, correct / (double) answers.size(),
                answers.size(), counts);
    }

    private String write(String name, byte[] bytes) throws IOException {
        Files.write(out.resolve(name), bytes);
        return name;
    }

    /** The summary.md text. */
    static final class Markdown {
        private Markdown() {}

        static String summary(ExperimentRecord r, List<ExperimentRecord> children, Confusion confusion, List<String> files) {
            StringBuilder md = new StringBuilder();
            md.append("# Experiment ").append(r.getExperimentId()).append("\n\n");
            md.append("| | |\n|---|---|\n");
            row(md, "Status", r.getStatus() + (r.getReason() == null ? "" : " (" + r.getReason() + ")"));
            row(md, "Architecture", r.getArchitecture());
            row(md, "Artefact test accuracy", Formats.accuracy(r.getArtefactTestAccuracy()));
            row(md, "Best epoch test accuracy", Formats.accuracy(r.getBestEpochTestAccuracy()));
            row(md, "Duration", Formats.duration(r.getDuration()));
            row(md, "Device", r.getDevice());
            row(md, "Artefact", r.getArtefactVersion());
            row(md, "Tags", r.getTags() == null ? null : r.getTags().toString());
            if (!r.getEpochMetrics().isEmpty()) {
                md.append("\n## Epochs\n\n| epoch | loss | train acc | test acc | seconds | images/s |\n|---|---|---|---|---|---|\n");
                r.getEpochMetrics().forEach(e -> md.append(String.format("| %d | %.4f | %s | %s | %.1f | %.0f |%n",
                        e.epoch(), e.loss(), Formats.accuracy(e.trainAccuracy()), Formats.accuracy(e.testAccuracy()),
                        e.epochSeconds(), e.imagesPerSecond())));
            }
            if (r.getSweep() != null && r.getSweepDefinition() != null && r.getSweepDefinition().isRandom()) {
                md.append("\n## Trials, ranked by validation accuracy\n\nThe test set is looked at once, for the winner.\n\n")
                        .append(SweepTable.of(r.getSweepDefinition(), r.getSweep()).markdown());
            } else if (!children.isEmpty()) {
                md.append("\n## Runs\n\n| run | status | artefact test accuracy | duration |\n|---|---|---|---|\n");
                children.forEach(c -> md.append("| ").append(c.getExperimentId()).append(" | ").append(c.getStatus())
                        .append(" | ").append(Formats.accuracy(c.getArtefactTestAccuracy())).append(" | ")
                        .append(Formats.duration(c.getDuration())).append(" |\n"));
            }
            md.append("\n## Plots\n\n");
            files.stream().filter(f -> f.endsWith(".png")).forEach(f -> md.append("![").append(f).append("](")
                    .append(f).append(")\n\n"));
            if (confusion != null) {
                md.append(String.format("The confusion matrix is of the model served when the report was made: version %s "
                        + "(experiment %s), accuracy %.4f on the %d test images, through the inference service.%n",
                        confusion.modelVersion(), confusion.modelExperimentId(), confusion.accuracy(), confusion.images()));
            }
            return md.toString();
        }

        private static void row(StringBuilder md, String name, String value) {
            if (value != null) {
                md.append("| ").append(name).append(" | ").append(value).append(" |\n");
            }
        }
    }
}
