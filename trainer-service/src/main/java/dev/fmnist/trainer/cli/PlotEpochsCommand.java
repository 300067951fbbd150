package dev.fmnist.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.charts.EpochChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Draws learning curves from the JSON lines that {@code train} printed: one line per run file. */
@Command(name = "plot-epochs", mixinStandardHelpOptions = true,
        description = "Plot a figure per epoch (test accuracy by default) from `train` outputs (JSON lines), one line per file.")
public final class PlotEpochsCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--field", defaultValue = "test_acc", description = "the per-epoch field plotted (default: ${DEFAULT-VALUE})")
    String field;

    @Option(names = "--title", defaultValue = "Test accuracy per epoch")
    String title;

    @Option(names = "--out", required = true, description = "PNG file to write")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "RUN.jsonl", description = "the line of each is named after its file")
    List<Path> runs;

    @Override
    public Integer call() throws IOException {
        EpochChart chart = new EpochChart(title, field.replace('_', ' '));
        for (Path run : runs) {
            String name = run.getFileName().toString().replaceFirst("\\.jsonl$", "");
            int points = 0;
            for (String line : Files.readAllLines(run)) {
                JsonNode row = line.isBlank() ? null : JSON.readTree(line);
                if (row != null && row.path("epoch").isInt() && row.path(field).isNumber()) {
                    chart.add(name, row.get("epoch").asInt() + 1, row.get(field).asDouble());
                    points++;
                }
            }
            if (points == 0) {
                throw new ParameterException(spec.commandLine(), run + ": no epoch lines with a numeric '" + field + "'");
            }
        }
        Files.write(out, chart.png());
        spec.commandLine().getOut().println("wrote " + out);
        return 0;
    }
}
