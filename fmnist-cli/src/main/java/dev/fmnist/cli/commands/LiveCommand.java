package dev.fmnist.cli.commands;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Formats;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.output.Table;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ArtefactException;
import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.serving.ModelControl;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code fmnist models live}: how each model version does on real traffic, as the inference
 * service's live-accuracy processor counted it on the compacted live-accuracy topic (read from the
 * beginning, one record per version), with its role from the model-control topic and its drift from
 * its artefact's test-set predictions on the models topic.
 */
@Command(name = "live", mixinStandardHelpOptions = true,
        description = {"Live accuracy per model version: answers given and computed in shadow, answers labelled "
                + "(fmnist feedback, classify --label), accuracy over all of them and over the last --window, agreement "
                + "of a shadow challenger with the version that answered, and the drift of the predicted classes from "
                + "the test set's.",
            "ROLE is what the model-control topic says: champion (pinned), challenger (shadow or canary, with its "
                + "share), or newest (the model follows the newest artefact, and this is it)."},
        footer = ExitCode.HELP_FOOTER)
final class LiveCommand implements Callable<Integer> {

    /** The policy's default last-N (fmnist.policy.last-labelled), so the two agree unless asked otherwise. */
    static final int DEFAULT_WINDOW = 200;

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "only this served model, e.g. better or compare-k3")
    String model;

    @Option(names = "--window", paramLabel = "N", defaultValue = "" + DEFAULT_WINDOW,
            description = "recent accuracy over the last N labelled answers, 1 to " + LiveStats.RECENT_MAX
                    + " (default: ${DEFAULT-VALUE})")
    int window;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    /**
     * One version's live statistics; the rates are null where nothing was counted (no label, no shadow
     * answer compared, no test-set predictions in its manifest), {@code role} is empty when the
     * model-control topic names it neither champion nor challenger and it is not the newest artefact.
     */
    record Row(String model, String version, String role, long predictions, long shadowPredictions, long labelled,
            long correct, Double accuracy, int window, int recentLabelled, Double recentAccuracy, String comparedWith,
            long compared, Double agreement, Double drift, long[] predicted, long[][] confusion, String updatedAt) {}

    @Override
    public Integer call() {
        if (window < 1 || window > LiveStats.RECENT_MAX) {
            throw new CliException(ExitCode.USAGE, "--window: must be 1 to " + LiveStats.RECENT_MAX + ", got " + window);
        }
        String only = model == null ? null : ModelControlCommands.ModelControlCommand.servedName(model);
        Broker broker = new Broker(kafka);
        PrintWriter err = spec.commandLine().getErr();

        Map<String, LiveStats> stats = new LinkedHashMap<>();
        int[] refused = new int[1];
        String liveTopic = Topic.LIVE_ACCURACY.name(kafka.topicPrefix);
        broker.readToEnd(liveTopic, LiveStats::parse, s -> {
            if (only == null || only.equals(s.model())) {
                stats.put(s.key(), s); // the record's key: parse refuses any other
            }
            return true;
        }, (record, refusal) -> {
            if (++refused[0] <= 3) {
                err.println("fmnist: record at offset " + record.offset() + " of " + liveTopic + " skipped: "
                        + refusal.getMessage());
            }
        });
        if (refused[0] > 3) {
            err.println("fmnist: " + refused[0] + " records skipped in all");
        }

        Map<String, ModelControl> controls = controls(broker);
        Map<String, ModelManifest> manifests = new HashMap<>();
        Map<String, String> newest = new HashMap<>();
        Map<String, String> byExperiment = new HashMap<>();
        if (!stats.isEmpty()) {
            readManifests(broker, manifests, newest, byExperiment);
        }
        List<Row> rows = new ArrayList<>();
        for (LiveStats s : stats.values()) {
            // a control record names a version or the experiment that published it (its newest artefact)
            ModelControl control = controls.get(s.model());
            UnaryOperator<String> version = named -> byExperiment.getOrDefault(LiveStats.key(s.model(), named), named);
            rows.add(row(s, role(s, control, version, newest.get(s.model())),
                    Optional.ofNullable(manifests.get(s.key())).map(ModelManifest::testPredicted).orElse(null)));
        }
        rows.sort(Comparator.comparing(Row::model).thenComparing(Row::updatedAt, Comparator.reverseOrder()));
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Json.print(out, rows);
            return ExitCode.OK;
        }
        if (rows.isEmpty()) {
            out.println("no live statistics on " + Topic.LIVE_ACCURACY.name(kafka.topicPrefix)
                    + (only == null ? "" : " for " + only)
                    + " (the inference service counts them when fmnist.live.enabled; labels come from fmnist feedback)");
            return ExitCode.OK;
        }
        Table table = new Table("MODEL", "VERSION", "ROLE", "ANSWERS", "SHADOW", "LABELLED", "ACCURACY",
                "LAST " + window, "AGREEMENT", "DRIFT", "UPDATED");
        for (Row r : rows) {
            table.row(r.model(), r.version(), r.role(), r.predictions(), r.shadowPredictions(), r.labelled(),
                    Formats.accuracy(r.accuracy()),
                    r.recentAccuracy() == null ? "-" : Formats.accuracy(r.recentAccuracy()) + " (" + r.recentLabelled() + ")",
                    r.agreement() == null ? "-" : Formats.accuracy(r.agreement()) + " vs " + r.comparedWith(),
                    r.drift() == null ? "-" : String.format("%.3f", r.drift()), Formats.time(r.updatedAt()));
        }
        table.print(out);
        return ExitCode.OK;
    }

    private Row row(LiveStats s, String role, int[] testPredicted) {
        return new Row(s.model(), s.version(), role, s.predictions(), s.shadowPredictions(), s.labelled(), s.correct(),
                finite(s.accuracy()), window, s.recentLabelled(window), finite(s.recentAccuracy(window)), s.comparedWith(),
                s.compared(), finite(s.agreement()), finite(s.driftFrom(testPredicted)), s.predicted(),
                s.confusion(), s.updatedAt().toString());
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    /** {@code version}: the version a control record's name stands for (a version, or an experiment id). */
    private static String role(LiveStats s, ModelControl control, UnaryOperator<String> version, String newestVersion) {
        if (control != null && control.pinnedVersion().map(version).filter(s.version()::equals).isPresent()) {
            return "champion (pinned)";
        }
        if (control != null && control.challengerVersion().map(version).filter(s.version()::equals).isPresent()) {
            return "challenger (" + control.mode().name().toLowerCase(Locale.ROOT) + " "
                    + Math.round(control.share() * 100) + "%)";
        }
        if ((control == null || control.pinnedVersion().isEmpty()) && s.version().equals(newestVersion)) {
            return "newest";
        }
        return "";
    }

    /** The newest control record of each model (unreadable ones left out). */
    private Map<String, ModelControl> controls(Broker broker) {
        Map<String, ModelControl> controls = new HashMap<>();
        for (ConsumerRecord<String, byte[]> record : broker.readAll(kafka.modelControl())) {
            if (record.value() == null) {
                controls.remove(record.key());
                continue;
            }
            try {
                ModelControl control = ModelControl.parse(record.key(), record.value());
                controls.put(control.model(), control);
            } catch (IllegalArgumentException e) {
                // not a control any replica applies either
            }
        }
        return controls;
    }

    /** Every servable artefact's manifest, the newest version per served model, and per model/experiment id. */
    private void readManifests(Broker broker, Map<String, ModelManifest> manifests, Map<String, String> newest,
            Map<String, String> byExperiment) {
        for (ConsumerRecord<String, byte[]> record : broker.readAll(kafka.models())) {
            try {
                ModelManifest m = ArtefactCodec.decode(record.value()).manifest();
                String served = m.networkSpec().servingName();
                manifests.put(LiveStats.key(served, m.version()), m);
                newest.put(served, m.version());
                byExperiment.put(LiveStats.key(served, m.experimentId()), m.version());
            } catch (ArtefactException | IllegalArgumentException e) {
                // not servable: no live statistics of its own
            }
        }
    }
}
