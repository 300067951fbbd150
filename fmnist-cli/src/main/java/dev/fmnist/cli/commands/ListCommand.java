package dev.fmnist.cli.commands;

import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.history.CurrentStates;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Formats;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.output.Table;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = "Experiments, oldest first: status, architecture, epochs, the published artefact's test accuracy "
                + "(a sweep: its best run's), duration.",
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
        // one record per experiment from the compacted state topic; ordered by when each was queued
        List<ExperimentState> states = CurrentStates.read(new Broker(kafka)).all().stream()
                .filter(s -> status == null || status.contains(s.status()))
                .sorted(Comparator.comparing(ListCommand::queued, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparing(ExperimentState::experimentId))
                .toList();
        if (limit > 0 && states.size() > limit) {
            states = states.subList(states.size() - limit, states.size());
        }
        if (output.json()) {
            Json.print(spec.commandLine().getOut(), states.stream().map(ListCommand::summary).toList());
            return ExitCode.OK;
        }
        Table table = new Table("ID", "STATUS", "ARCHITECTURE", "EPOCHS", "ARTEFACT ACC", "DURATION", "QUEUED AT");
        for (ExperimentState s : states) {
            Summary r = summary(s);
            table.row(r.experimentId(), r.status(), r.architecture(),
                    r.epochs() == null ? null : r.epochsDone() + "/" + r.epochs(),
                    Formats.accuracy(r.artefactTestAccuracy()), Formats.duration(s.duration()),
                    Formats.time(s.queuedAt()));
        }
        table.print(spec.commandLine().getOut());
        return ExitCode.OK;
    }

    /** The list's JSON row. */
    record Summary(String experimentId, String parentId, Type status, String architecture, int epochsDone,
            Integer epochs, Double artefactTestAccuracy, Double bestEpochTestAccuracy, Double durationSeconds, String queuedAt, String endedAt,
            String worker, String reason) {}

    static Summary summary(ExperimentState s) {
        Duration d = s.duration();
        return new Summary(s.experimentId(), s.parentId(), s.status(), s.networkLabel(),
                s.epochsDone() == null ? 0 : s.epochsDone(), s.epochs(), s.artefactTestAccuracy(), s.bestTestAccuracy(),
                d == null ? null : d.toMillis() / 1000.0, s.queuedAt(), s.endedAt(), s.worker(), s.reason());
    }

    private static Instant queued(ExperimentState s) {
        return s.queuedAt() == null ? null : Instant.parse(s.queuedAt());
    }
}
