package dev.fmnist.cli.commands;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.serving.GrpcOptions;
import dev.fmnist.cli.serving.InferenceClient;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.proto.v1.FeedbackResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "feedback", mixinStandardHelpOptions = true,
        description = {"Give the true class of an image the served model answered, by its prediction id (what",
            "'fmnist classify --label' and every answer of the Classifier API carry): recorded on the feedback topic,",
            "where the live accuracy of the version that answered counts it.",
            "export writes the labelled images the service captured as a dataset to train on."},
        subcommands = ExportCommand.class,
        footer = {"%nExamples:", "  fmnist feedback 5d0c8e2f9a7b4c1d8e3f2a1b0c9d8e7f Dress",
            "  fmnist feedback 5d0c8e2f9a7b4c1d8e3f2a1b0c9d8e7f.3 7 --source reviewer --by alice",
            "  fmnist feedback export --out mine/ --since 7d",
            ExitCode.HELP_FOOTER})
public final class FeedbackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    // optional for picocli, so that 'fmnist feedback export' is not refused for their absence; required in call()
    @Parameters(index = "0", arity = "0..1", paramLabel = "PREDICTION_ID",
            description = "the answer's prediction id: 32 hex digits, then '.' and the image's index for one of several")
    String predictionId;

    @Parameters(index = "1", arity = "0..1", paramLabel = "LABEL",
            description = "the true class: its index 0..9 or its name in any case (dress, T-shirt/top, 'ankle boot')")
    String label;

    @Option(names = "--source", paramLabel = "WHO", defaultValue = FeedbackRecord.CLIENT,
            description = "client (who sent the image) or reviewer (default: ${DEFAULT-VALUE})")
    String source;

    @Option(names = "--by", paramLabel = "NAME", description = "who labelled it (optional, at most 100 printable characters)")
    String by;

    @Mixin
    GrpcOptions grpc;

    @Mixin
    OutputOptions output;

    /** What --output json prints: the label the service recorded. */
    record Recorded(String predictionId, int label, String labelName, String source, String by) {}

    @Override
    public Integer call() {
        if (predictionId == null || label == null) {
            throw new ParameterException(spec.commandLine(), "expected PREDICTION_ID and LABEL (or the command export)");
        }
        FeedbackRecord checked = check(predictionId, label, source, by);
        FeedbackResponse answer;
        try (InferenceClient client = new InferenceClient(grpc)) {
            answer = client.feedback(checked.predictionId(), Integer.toString(checked.label()), checked.source(),
                    checked.by());
        }
        PrintWriter out = spec.commandLine().getOut();
        Recorded recorded = new Recorded(answer.getPredictionId(), answer.getLabel(), answer.getLabelName(),
                checked.source(), checked.by());
        if (output.json()) {
            Json.print(out, recorded);
        } else {
            out.printf("labelled %s %s (%d), from %s%s%n", recorded.predictionId(), recorded.labelName(),
                    recorded.label(), recorded.source(), recorded.by() == null ? "" : " " + recorded.by());
        }
        return ExitCode.OK;
    }

    /** A label as a person writes it (an index or a class name), or a usage error naming {@code field}. */
    static int label(String text, String field) {
        try {
            return FeedbackRecord.parseLabel(text, field);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCode.USAGE, e.getMessage(), e);
        }
    }

    /**
     * A label checked before anything is sent, by the contract's own rules (the service applies them again); a
     * refusal names the argument or flag the user typed.
     */
    static FeedbackRecord check(String predictionId, String label, String source, String by) {
        try {
            PredictionIds.requireValid(predictionId, "PREDICTION_ID");
            int index = FeedbackRecord.parseLabel(label, "LABEL");
            return FeedbackRecord.of(predictionId, index, source, by);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            for (String field : new String[] {"source", "by"}) {
                if (message.startsWith(field + ":")) {
                    message = "--" + message;
                }
            }
            throw new CliException(ExitCode.USAGE, message, e);
        }
    }
}
