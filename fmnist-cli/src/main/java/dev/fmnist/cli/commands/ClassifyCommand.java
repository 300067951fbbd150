package dev.fmnist.cli.commands;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.output.Table;
import dev.fmnist.cli.serving.GrpcOptions;
import dev.fmnist.cli.serving.ImageFiles.NamedImage;
import dev.fmnist.cli.serving.ImageFiles;
import dev.fmnist.cli.serving.InferenceClient;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.proto.v1.ClassifyResponse;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Classify images with the served model: PNG/JPEG files, or idx files (such as the test set)",
            "image by image, sent in batches over gRPC."},
        footer = {"%nExamples:", "  fmnist classify shirt.png boot.jpg --top 3",
            "  fmnist classify t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz --limit 1000",
            ExitCode.HELP_FOOTER})
public final class ClassifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", arity = "1..*", description = "PNG, JPEG or idx image files")
    List<Path> files;

    @Option(names = "--top", paramLabel = "K", defaultValue = "1", description = "classes per image (default: ${DEFAULT-VALUE})")
    int top;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "at most N images per idx file (0: all)")
    int limit;

    @Option(names = "--labels", paramLabel = "IDX", description = "true labels (an idx labels file): adds them and the accuracy")
    Path labels;

    @Option(names = {"-m", "--model"}, paramLabel = "NAME", defaultValue = "",
            description = "the served model to ask: better, better-bn, mlp, baseline, compare-k3 ... (default: the server's first)")
    String model;

    @Option(names = "--resize", description = "scale images of other sizes to 28x28 instead of refusing them")
    boolean resize;

    @Mixin
    GrpcOptions grpc;

    @Mixin
    OutputOptions output;

    /** One image's answer, as --output json prints it. */
    record Answer(String image, int classIndex, String className, double probability, List<Map<String, Object>> top,
            Integer label, String modelVersion) {}

    @Override
    public Integer call() {
        if (top < 1 || top > FashionMnist.CLASSES) {
            throw new CliException(ExitCode.USAGE, "--top: expected 1 to " + FashionMnist.CLASSES + ", got " + top);
        }
        List<NamedImage> images = ImageFiles.read(files, limit);
        byte[] truth = labels == null ? null : ImageFiles.labels(labels, images.size());
        List<ClassifyResponse> responses;
        try (InferenceClient client = new InferenceClient(grpc)) {
            responses = client.classify(images.stream().map(NamedImage::image).toList(), resize, model);
        }
        List<Answer> answers = new ArrayList<>();
        int correct = 0;
        for (int i = 0; i < images.size(); i++) {
            ClassifyResponse r = responses.get(i);
            Integer label = truth == null ? null : (int) truth[i];
            if (label != null && label == r.getClassIndex()) {
                correct++;
            }
            answers.add(new Answer(images.get(i).name(), r.getClassIndex(), r.getClassName(),
                    r.getProbabilities(r.getClassIndex()), topK(r), label, r.getModelVersion()));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Json.print(out, answers);
            return ExitCode.OK;
        }
        Table table = truth == null ? new Table("IMAGE", "CLASS", "PROBABILITY", "ALSO")
                : new Table("IMAGE", "CLASS", "PROBABILITY", "ALSO", "TRUE CLASS");
        for (Answer a : answers) {
            String also = a.top().stream().skip(1).map(t -> t.get("className") + " " + String.format("%.3f", (Double) t.get("probability")))
                    .reduce((x, y) -> x + ", " + y).orElse("");
            if (truth == null) {
                table.row(a.image(), a.className(), String.format("%.3f", a.probability()), also);
            } else {
                table.row(a.image(), a.className(), String.format("%.3f", a.probability()), also,
                        FashionMnist.CLASS_NAMES[a.label()] + (a.label() == a.classIndex() ? "" : "  (wrong)"));
            }
        }
        table.print(out);
        String version = responses.isEmpty() ? "-" : responses.get(0).getModelVersion();
        if (truth != null) {
            out.printf("accuracy %.4f on %d image%s (model %s)%n", correct / (double) images.size(), images.size(),
                    images.size() == 1 ? "" : "s", version);
        }
        return ExitCode.OK;
    }

    private List<Map<String, Object>> topK(ClassifyResponse r) {
        return IntStream.range(0, r.getProbabilitiesCount()).boxed()
                .sorted(Comparator.comparingDouble(c -> -r.getProbabilities(c))).limit(top).map(c -> {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("className", FashionMnist.CLASS_NAMES[c]);
                    entry.put("probability", (double) r.getProbabilities(c));
                    return entry;
                }).toList();
    }
}
