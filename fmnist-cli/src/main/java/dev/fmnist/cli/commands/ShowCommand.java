package dev.fmnist.cli.commands;

import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.history.ExperimentHistory;
import dev.fmnist.cli.history.ExperimentRecord;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Formats;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.output.Table;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "show", aliases = "describe", mixinStandardHelpOptions = true,
        description = "One experiment's full record: lifecycle, device, every epoch's metrics, a sweep's runs.",
        footer = ExitCode.HELP_FOOTER)
public final class ShowCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID")
    String id;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        Broker broker = new Broker(kafka);
        ExperimentHistory history = ExperimentHistory.read(broker);
        ExperimentRecord r = history.require(id, broker);
        List<ExperimentRecord> children = history.children(id);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Json.print(out, r);
            return ExitCode.OK;
        }
        field(out, "Experiment", r.getExperimentId());
        field(out, "Sweep", r.getParentId());
        field(out, "Status", r.getStatus());
        field(out, "Reason", r.getReason());
        field(out, "Architecture", r.getArchitecture());
        field(out, "Swept", r.getSweptParameter() == null ? null : r.getSweptParameter() + " = "
                + r.getSweptValues().stream().map(Formats::number).toList());
        field(out, "Search", r.getSearch());
        field(out, "Tags", r.getTags());
        field(out, "Queued", r.getQueuedAt() == null ? null : Formats.time(r.getQueuedAt()));
        field(out, "Started", r.getStartedAt() == null ? null : Formats.time(r.getStartedAt()));
        field(out, "Ended", r.getEndedAt() == null ? null : Formats.time(r.getEndedAt()));
        field(out, "Duration", Formats.duration(r.getDuration()));
        field(out, "Device", r.getDevice() == null ? null : r.getDevice() + " (" + r.getWorker() + ")");
        field(out, "Artefact acc", r.getArtefactTestAccuracy() == null ? null
                : Formats.accuracy(r.getArtefactTestAccuracy()) + " test accuracy of the published artefact");
        field(out, "Best epoch", r.getBestEpochTestAccuracy() == null ? null
                : Formats.accuracy(r.getBestEpochTestAccuracy()) + " test accuracy (per-epoch figures below)");
        field(out, "Artefact", r.getArtefactVersion());
        if (!r.getEpochMetrics().isEmpty()) {
            out.println();
            boolean validated = r.getEpochMetrics().stream().anyMatch(e -> e.valAccuracy() != null);
            Table epochs = validated
                    ? new Table("EPOCH", "LOSS", "TRAIN ACC", "VAL ACC", "VAL LOSS", "TEST ACC", "SECONDS", "IMAGES/S")
                    : new Table("EPOCH", "LOSS", "TRAIN ACC", "TEST ACC", "SECONDS", "IMAGES/S");
            for (ExperimentRecord.Epoch e : r.getEpochMetrics()) {
                List<Object> row = new ArrayList<>(List.of(e.epoch() + "/" + r.getEpochs(), String.format("%.4f", e.loss()),
                        Formats.accuracy(e.trainAccuracy())));
                if (validated) {
                    row.add(Formats.accuracy(e.valAccuracy()));
                    row.add(e.valLoss() == null ? "-" : String.format("%.4f", e.valLoss()));
                }
                row.addAll(List.of(Formats.accuracy(e.testAccuracy()), String.format("%.1f", e.epochSeconds()),
                        String.format("%.0f", e.imagesPerSecond())));
                epochs.row(row.toArray());
            }
            epochs.print(out);
        }
        if (!children.isEmpty()) {
            out.println();
            Table runs = new Table("RUN", "STATUS", "ARCHITECTURE", "ARTEFACT TEST ACC", "DURATION");
            children.forEach(c -> runs.row(c.getExperimentId(), c.getStatus(), c.getArchitecture(),
                    Formats.accuracy(c.getArtefactTestAccuracy()), Formats.duration(c.getDuration())));
            runs.print(out);
        }
        return ExitCode.OK;
    }

    private static void field(PrintWriter out, String name, Object value) {
        if (value != null) {
            out.printf("%-14s %s%n", name + ":", value);
        }
    }
}
