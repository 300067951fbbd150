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
import dev.fmnist.cli.serving.ModelInputFiles;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.InputExplanation;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "classify", mixinStandardHelpOptions = true,
        description = {"Classify images with the served model: PNG/JPEG files up to 4096 pixels a side (a photo is",
            "fitted to 28x28 by the server, the way Fashion-MNIST's images were made), or",
            "idx files (such as the test set) image by image; sent in batches over gRPC."},
        footer = {"%nExamples:", "  fmnist classify shirt.png boot.jpg --top 3",
            "  fmnist classify shirt.jpg --explain seen/",
            "      (seen/shirt.model-input-x8.png: what the model read, enlarged)",
            "  fmnist classify t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz --limit 1000",
            "  fmnist classify boot.jpg --label 'ankle boot'",
            "      (and tells the service the true class: the live accuracy counts it)",
            "  fmnist classify t10k-images-idx3-ubyte.gz --labels t10k-labels-idx1-ubyte.gz --limit 500 --send-labels",
            "      (a labelled set: each image's class from the file, sent as feedback)",
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

    @Option(names = "--label", paramLabel = "LABEL",
            description = {"the true class of every image (an index 0..9 or a class name): sent as feedback on each answer,",
                "by its prediction id (printed), once all are classified"})
    String label;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "" + InferenceClient.BATCH,
            description = "images per ClassifyBatch call, 1 to " + InferenceClient.BATCH + " (default: ${DEFAULT-VALUE}); "
                    + "the service logs, samples and shadow-scores per call")
    int batch;

    @Option(names = "--send-labels",
            description = "with --labels: also send each image's true class as feedback, by its prediction id, once all are classified")
    boolean sendLabels;

    @Option(names = {"-m", "--model"}, paramLabel = "NAME", defaultValue = "",
            description = "the served model to ask: " + NetworkSpec.SERVING_NAMES + " (default: the server's first)")
    String model;

    /** --conversion's values, as fmnist.v1.Conversion names them. */
    public enum ConversionChoice {
        auto(Conversion.CONVERSION_AUTO), photo(Conversion.CONVERSION_PHOTO), none(Conversion.CONVERSION_NONE);

        final Conversion proto;

        ConversionChoice(Conversion proto) {
            this.proto = proto;
        }
    }

    @Option(names = "--conversion", paramLabel = "HOW", defaultValue = "auto",
            description = {"how a PNG/JPEG becomes the 28x28 the model reads (default: ${DEFAULT-VALUE}):",
                "auto: a dataset-style image (28x28, dark border) as sent, any other (a photo) as photo;",
                "photo: always Fashion-MNIST's own steps: gray, light background negated, trimmed to the garment, "
                    + "fitted to 28x28, centred;",
                "none: the gray levels as sent (another size is scaled, see --no-resize). idx images are never converted"})
    ConversionChoice conversion;

    /** Null unless given: resizing is the default, so a photo never needs a flag. */
    @Option(names = "--resize", negatable = true,
            description = "--conversion none: scale an image of another size to 28x28 (default: on); --no-resize refuses "
                    + "it instead. auto and photo fit any size")
    Boolean resize;

    @Option(names = "--explain", paramLabel = "DIR",
            description = {"write what the model read of each image to DIR (created if missing): NAME.model-input.png "
                    + "(28x28) and NAME.model-input-x8.png (224x224), and say what the conversion did"})
    Path explain;

    @Mixin
    GrpcOptions grpc;

    @Mixin
    OutputOptions output;

    /** One image's answer, as --output json prints it; {@code explanation} with --explain only. */
    record Answer(String image, int classIndex, String className, double probability, List<Map<String, Object>> top,
            Integer label, String modelVersion, Explanation explanation, String predictionId, Integer feedbackLabel) {}

    /**
     * What the model read of one image (fmnist.v1.InputExplanation's fields; pixels base64 as in proto's JSON), the
     * line the table prints and the files written; background, negated and garment for a photo conversion only.
     */
    record Explanation(String conversion, String summary, int sourceWidth, int sourceHeight, Integer background,
            Boolean negated, Map<String, Integer> garment, byte[] pixels, String modelInput, String modelInputEnlarged) {

        static Explanation of(InputExplanation e, ModelInputFiles.Written written) {
            boolean photo = e.getConversion().equals("photo");
            Map<String, Integer> garment = null;
            if (photo) {
                garment = new LinkedHashMap<>();
                garment.put("x", e.getGarmentX());
                garment.put("y", e.getGarmentY());
                garment.put("width", e.getGarmentWidth());
                garment.put("height", e.getGarmentHeight());
            }
            return new Explanation(e.getConversion(), ModelInputFiles.describe(e), e.getSourceWidth(), e.getSourceHeight(),
                    photo ? e.getBackground() : null, photo ? e.getNegated() : null, garment, e.getPixels().toByteArray(),
                    written.modelInput().toString(), written.enlarged().toString());
        }
    }

    @Override
    public Integer call() {
        if (top < 1 || top > FashionMnist.CLASSES) {
            throw new CliException(ExitCode.USAGE, "--top: expected 1 to " + FashionMnist.CLASSES + ", got " + top);
        }
        if (label != null && labels != null) {
            throw new CliException(ExitCode.USAGE, "--label and --labels: give one (--label is one true class for every "
                    + "image, sent as feedback; --labels a file of them, to measure the accuracy or, with --send-labels, "
                    + "sent as feedback too)");
        }
        if (labels != null && files.size() != 1) {
            throw new CliException(ExitCode.USAGE, "--labels: give one FILE (an idx images file, whose images the labels "
                    + "file's follow in order), got " + files.size());
        }
        if (batch < 1 || batch > InferenceClient.BATCH) {
            throw new CliException(ExitCode.USAGE, "--batch: expected 1 to " + InferenceClient.BATCH + ", got " + batch);
        }
        if (sendLabels && labels == null) {
            throw new CliException(ExitCode.USAGE, "--send-labels: needs --labels, the file of true classes it sends");
        }
        // refused before anything is sent: a bad --explain or --label is the user's to fix, not the server's
        Integer label = this.label == null ? null : FeedbackCommand.label(this.label, "--label");
        ModelInputFiles explained = explain == null ? null : ModelInputFiles.in(explain);
        List<NamedImage> images = ImageFiles.read(files, limit);
        byte[] truth = labels == null ? null : ImageFiles.labels(labels, images.size());
        // the class sent as feedback for image i: --label's for all, or --labels' own with --send-labels
        IntFunction<Integer> feedback = label != null ? i -> label : sendLabels ? i -> (int) truth[i] : null;
        List<ClassifyResponse> responses;
        try (InferenceClient client = new InferenceClient(grpc)) {
            responses = client.classify(images.stream().map(NamedImage::image).toList(),
                    new InferenceClient.Request(model, resize == null || resize, conversion.proto, explained != null, batch));
            if (feedback != null) {
                sendFeedback(client, images, responses, feedback);
            }
        }
        List<Answer> answers = new ArrayList<>();
        int correct = 0;
        for (int i = 0; i < images.size(); i++) {
            ClassifyResponse r = responses.get(i);
            Integer trueClass = truth == null ? null : (int) truth[i];
            if (trueClass != null && trueClass == r.getClassIndex()) {
                correct++;
            }
            Explanation explanation = explained == null ? null : explain(explained, images.get(i), r);
            answers.add(new Answer(images.get(i).name(), r.getClassIndex(), r.getClassName(),
                    r.getProbabilities(r.getClassIndex()), topK(r), trueClass, r.getModelVersion(), explanation,
                    r.getPredictionId().isEmpty() ? null : r.getPredictionId(), feedback == null ? null : feedback.apply(i)));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Json.print(out, answers);
            return ExitCode.OK;
        }
        List<String> header = new ArrayList<>(List.of("IMAGE", "CLASS", "PROBABILITY", "ALSO"));
        if (truth != null) {
            header.add("TRUE CLASS");
        }
        if (explained != null) {
            header.addAll(List.of("MODEL INPUT", "CONVERSION"));
        }
        if (feedback != null) {
            header.add("PREDICTION ID");
        }
        Table table = new Table(header.toArray(String[]::new));
        for (Answer a : answers) {
            String also = a.top().stream().skip(1).map(t -> t.get("className") + " " + String.format("%.3f", (Double) t.get("probability")))
                    .reduce((x, y) -> x + ", " + y).orElse("");
            List<Object> row = new ArrayList<>(List.of(a.image(), a.className(), String.format("%.3f", a.probability()), also));
            if (truth != null) {
                row.add(FashionMnist.CLASS_NAMES[a.label()] + (a.label() == a.classIndex() ? "" : "  (wrong)"));
            }
            if (explained != null) {
                row.add(a.explanation().modelInput());
                row.add(a.explanation().summary());
            }
            if (feedback != null) {
                row.add(a.predictionId());
            }
            table.row(row.toArray());
        }
        table.print(out);
        if (explained != null) {
            out.printf("wrote what the model read to %s: NAME%s (28x28) and NAME%s (%dx%d)%n", explain,
                    ModelInputFiles.SUFFIX, ModelInputFiles.ENLARGED_SUFFIX, FashionMnist.IMAGE_SIDE * ModelInputFiles.ENLARGED,
                    FashionMnist.IMAGE_SIDE * ModelInputFiles.ENLARGED);
        }
        String version = responses.isEmpty() ? "-" : responses.get(0).getModelVersion();
        if (truth != null) {
            out.printf("accuracy %.4f on %d image%s (model %s)%n", correct / (double) images.size(), images.size(),
                    images.size() == 1 ? "" : "s", version);
        }
        if (label != null) {
            out.printf("labelled %d image%s %s (%d): feedback from client, by prediction id%n", answers.size(),
                    answers.size() == 1 ? "" : "s", FashionMnist.CLASS_NAMES[label], label);
        } else if (feedback != null) {
            out.printf("labelled %d image%s with their classes in %s: feedback from client, by prediction id%n",
                    answers.size(), answers.size() == 1 ? "" : "s", labels);
        }
        return ExitCode.OK;
    }

    /**
     * Sends {@code feedback}'s class for every answer, by its prediction id, after all are classified: an answer
     * without one is a service from before feedback, refused before any label is sent.
     */
    private void sendFeedback(InferenceClient client, List<NamedImage> images, List<ClassifyResponse> responses,
            IntFunction<Integer> feedback) {
        for (int i = 0; i < responses.size(); i++) {
            if (responses.get(i).getPredictionId().isEmpty()) {
                throw new CliException(ExitCode.ERROR, "inference service at " + grpc.target + ": no prediction id in its "
                        + "answer for " + images.get(i).name() + " (a service from before feedback?); no label sent");
            }
        }
        int sent = 0;
        try {
            for (ClassifyResponse r : responses) {
                client.feedback(r.getPredictionId(), Integer.toString(feedback.apply(sent)), FeedbackRecord.CLIENT, null);
                sent++;
            }
        } catch (CliException e) {
            throw new CliException(e.exitCode(), e.getMessage() + " (labelled " + sent + " of " + responses.size()
                    + " images before it)", e);
        }
    }

    /** Writes what the server says the model read of {@code image}; an answer without it is the server's fault. */
    private Explanation explain(ModelInputFiles files, NamedImage image, ClassifyResponse r) {
        if (!r.hasExplanation()) {
            throw new CliException(ExitCode.ERROR, "inference service at " + grpc.target + ": no explanation of "
                    + image.name() + " in its answer (a service from before --explain?)");
        }
        int pixels = r.getExplanation().getPixels().size();
        if (pixels != FashionMnist.PIXELS) {
            throw new CliException(ExitCode.ERROR, "inference service at " + grpc.target + ": its explanation of "
                    + image.name() + " has " + pixels + " gray levels, expected " + FashionMnist.PIXELS);
        }
        return Explanation.of(r.getExplanation(), files.write(image.stem(), r.getExplanation()));
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
