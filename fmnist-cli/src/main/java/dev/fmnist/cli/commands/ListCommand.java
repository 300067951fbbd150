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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "list", aliases = "ls", mixinStandardHelpOptions = true,
        description = "Experiments, oldest first: status, architecture, progress (epochs done; a sweep: runs ended), "
                + "the published artefact's test accuracy (a sweep: its best run's), duration.",
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
        List<ExperimentState> all = List.copyOf(CurrentStates.read(new Broker(kafka)).all());
        // a sweep's row counts its children, whatever --status and --limit leave out
        Map<String, ExperimentState> byId = new HashMap<>();
        all.forEach(s -> byId.put(s.experimentId(), s));
        List<ExperimentState> states = all.stream()
                .filter(s -> status == null || status.contains(s.status()))
                .sorted(Comparator.comparing(ListCommand::queued, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparing(ExperimentState::experimentId))
                .toList();
        if (limit > 0 && states.size() > limit) {
            states = states.subList(states.size() - limit, states.size());
        }
        if (output.json()) {
            Json.print(spec.commandLine().getOut(), states.stream().map(s -> summary(s, byId)).toList());
            return ExitCode.OK;
        }
        Table table = new Table("ID", "STATUS", "ARCHITECTURE", "PROGRESS", "ARTEFACT ACC", "DURATION", "QUEUED AT");
        for (ExperimentState s : states) {
            Summary r = summary(s, byId);
            table.row(r.experimentId(), r.status(), r.architecture(), progress(r),
                    Formats.accuracy(r.artefactTestAccuracy()), Formats.duration(s.duration()),
                    Formats.time(s.queuedAt()));
        }
        table.print(spec.commandLine().getOut());
        return ExitCode.OK;
    }

    /**
     * The list's JSON row; a sweep's {@code runs} and {@code runsEnded} count its children (null for a single run),
     * whose epochs are their own rows'.
     */
    record Summary(String experimentId, String parentId, Type status, String architecture, int epochsDone,
            Integer epochs, Integer runsEnded, Integer runs, Double artefactTestAccuracy, Double bestEpochTestAccuracy,
            Double durationSeconds, String queuedAt, String endedAt, String worker, String reason) {}

    /** {@code s}'s row; {@code byId} holds every state read, a sweep's children among them. */
    static Summary summary(ExperimentState s, Map<String, ExperimentState> byId) {
        Duration d = s.duration();
        List<String> children = s.childIds();
        Integer runs = children.isEmpty() ? null : children.size();
        Integer runsEnded = null;
        if (runs != null) {
            runsEnded = (int) children.stream().map(byId::get).filter(child -> child != null && child.isEnded()).count();
        }
        return new Summary(s.experimentId(), s.parentId(), s.status(), s.networkLabel(),
                s.epochsDone() == null ? 0 : s.epochsDone(), s.epochs(), runsEnded, runs, s.artefactTestAccuracy(),
                s.bestTestAccuracy(), d == null ? null : d.toMillis() / 1000.0, s.queuedAt(), s.endedAt(), s.worker(),
                s.reason());
    }

    /** The PROGRESS column: a sweep's runs ended of its runs, else a run's epochs done of its epochs. */
    static String progress(Summary r) {
        if (r.runs() != null) {
            return r.runsEnded() + "/" + r.runs() + " runs";
        }
        return r.epochs() == null ? null : r.epochsDone() + "/" + r.epochs();
    }

    private static Instant queued(ExperimentState s) {
        return s.queuedAt() == null ? null : Instant.parse(s.queuedAt());
    }
}
