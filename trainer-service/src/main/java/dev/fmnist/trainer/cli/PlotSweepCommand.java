package dev.fmnist.trainer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.charts.SweepChart;
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

/** Draws the seed's sweep figure from the JSON lines that {@code train} printed, one file per run. */
@Command(name = "plot-sweep", mixinStandardHelpOptions = true,
        description = "Plot final test accuracy against a swept value from `train` outputs (JSON lines).")
public final class PlotSweepCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--parameter", defaultValue = "k", description = "field of the final line on the x axis (default: ${DEFAULT-VALUE})")
    String parameter;

    @Option(names = "--title", defaultValue = "Test accuracy against the swept value")
    String title;

    @Option(names = "--out", required = true, description = "PNG file to write")
    Path out;

    @Parameters(arity = "1..*", paramLabel = "RUN.jsonl")
    List<Path> runs;

    @Override
    public Integer call() throws IOException {
        SweepChart chart = new SweepChart(title, parameter);
        for (Path run : runs) {
            JsonNode last = null;
            for (String line : Files.readAllLines(run)) {
                if (!line.isBlank()) {
                    last = JSON.readTree(line);
                }
            }
            if (last == null || !last.path("final").asBoolean() || !last.path(parameter).isNumber()) {
                throw new ParameterException(spec.commandLine(), run + ": no final line with a numeric '" + parameter + "'");
            }
            chart.add(last.get(parameter).asDouble(), last.get("test_acc").asDouble());
        }
        Files.write(out, chart.png());
        spec.commandLine().getOut().println("wrote " + out);
        return 0;
    }
}
