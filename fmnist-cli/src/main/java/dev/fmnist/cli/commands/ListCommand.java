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
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = "Experiments, oldest first: status, architecture, epochs, best test accuracy, duration.",
        footer = ExitCode.HELP_FOOTER)
public final class ListCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--status", paramLabel = "STATUS", split = ",",
            description = "only these, e.g. RUNNING,FAILED")
    List<Type> status;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50",
            description = "the N most recent (default: ${DEFAULT-VALUE}; 0: all)")
    int limit;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() {
        // events of different experiments sit on different partitions: order by when each was queued
        List<ExperimentRecord> records = ExperimentHistory.read(new Broker(kafka)).all().stream()
                .filter(r -> status == null || status.contains(r.getStatus()))
                .sorted(Comparator.comparing(ExperimentRecord::queuedInstant, Comparator.nullsFirst(Comparator.naturalOrder())))
                .toList();
        if (limit > 0 && records.size() > limit) {
            records = records.subList(records.size() - limit, records.size());
        }
        if (output.json()) {
            Json.print(spec.commandLine().getOut(), records.stream().map(ListCommand::summary).toList());
            return ExitCode.OK;
        }
        Table table = new Table("ID", "STATUS", "ARCHITECTURE", "EPOCHS", "BEST TEST ACC", "DURATION", "QUEUED AT");
        for (ExperimentRecord r : records) {
            table.row(r.getExperimentId(), r.getStatus(), r.getArchitecture(),
                    r.getEpochs() == null ? null : r.getEpochsDone() + "/" + r.getEpochs(),
                    Formats.accuracy(r.getBestTestAccuracy()), Formats.duration(r.getDuration()), Formats.time(r.getQueuedAt()));
        }
        table.print(spec.commandLine().getOut());
        return ExitCode.OK;
    }

    /** The list's JSON row: the record without its per-epoch detail. */
    record Summary(String experimentId, String parentId, Type status, String architecture, int epochsDone,
            Integer epochs, Double bestTestAccuracy, Double durationSeconds, String queuedAt, String endedAt,
            String reason) {}

    static Summary summary(ExperimentRecord r) {
        return new Summary(r.getExperimentId(), r.getParentId(), r.getStatus(), r.getArchitecture(), r.getEpochsDone(),
                r.getEpochs(), r.getBestTestAccuracy(), r.getDurationSeconds(),
                r.getQueuedAt(), r.getEndedAt(), r.getReason());
    }
}
