package dev.fmnist.cli.commands;

import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Formats;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.output.Table;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.serving.ModelControl;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code fmnist models history [MODEL]}: every record of the model-control topic, oldest first: who
 * decided what a model serves (an operator's pin, unpin or rollback; the promotion policy's
 * challenge, promotion, retirement or rollback), its champion and challenger then, and why. The topic
 * keeps every record 30 days before compaction, so this is a month of decisions; a record no replica
 * could apply is listed too, as unreadable with its reason.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
        description = {"Every decision on the model-control topic, oldest first: when, which model, what was decided "
                + "(pin, unpin, challenge, promote, retire, rollback) and by whom (operator or policy), the champion "
                + "it left serving (newest: the model follows the newest artefact), the challenger beside it with its "
                + "mode and share, and the reasons.",
            "Records written before decisions were recorded show pin or unpin, from what they did."},
        footer = ExitCode.HELP_FOOTER)
final class HistoryCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODEL",
            description = "only this served model: " + NetworkSpec.SERVING_NAMES)
    String model;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    /**
     * One record. {@code decision} is the record's, or for a record written before decisions were
     * recorded ({@code recorded} false) pin or unpin from what it did; {@code champion} is the pinned
     * version, null when the model follows the newest; {@code unreadable} says why a record no replica
     * applies was refused (the other fields then null).
     */
    record Row(long offset, String at, String model, String decision, boolean recorded, String by, String champion,
            String challenger, String mode, Double share, List<String> reasons, String unreadable) {}

    @Override
    public Integer call() {
        String only = model == null ? null : ModelControlCommands.ModelControlCommand.servedName(model);
        List<Row> rows = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : new Broker(kafka).readAll(kafka.modelControl())) {
            if (only != null && !only.equals(record.key())) {
                continue;
            }
            rows.add(row(record));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            Json.print(out, rows);
            return ExitCode.OK;
        }
        if (rows.isEmpty()) {
            out.println("no decisions on " + kafka.modelControl() + (only == null ? "" : " for " + only));
            return ExitCode.OK;
        }
        Table table = new Table("TIME", "MODEL", "DECISION", "BY", "CHAMPION", "CHALLENGER", "REASONS");
        for (Row r : rows) {
            if (r.unreadable() != null) {
                table.row(r.at(), r.model(), "unreadable", null, null, null, "offset " + r.offset() + ": " + r.unreadable());
                continue;
            }
            table.row(Formats.time(r.at()), r.model(), r.decision(), r.by(), r.champion() == null ? "newest" : r.champion(),
                    r.challenger() == null ? null : r.challenger() + " " + r.mode() + " " + percent(r.share()),
                    r.reasons().isEmpty() ? null : String.join("; ", r.reasons()));
        }
        table.print(out);
        return ExitCode.OK;
    }

    private static Row row(ConsumerRecord<String, byte[]> record) {
        ModelControl c;
        try {
            c = ModelControl.parse(record.key(), record.value());
        } catch (IllegalArgumentException e) {
            // one line: Jackson's messages go on with where in the source it stopped
            String why = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            return new Row(record.offset(), null, record.key(), null, false, null, null, null, null, null, List.of(), why);
        }
        String decision = c.decision() != null ? c.decision().wire() : c.pinned() != null ? "pin" : "unpin";
        // older records have a reason and no reasons: the reason is what they said
        List<String> reasons = !c.reasons().isEmpty() ? c.reasons() : c.reason() == null ? List.of() : List.of(c.reason());
        return new Row(record.offset(), c.at().toString(), c.model(), decision, c.decision() != null, c.by(), c.pinned(),
                c.challenger(), c.mode() == null ? null : c.mode().wire(), c.challenger() == null ? null : c.share(),
                reasons, null);
    }

    /** 100%, 12.5%. */
    private static String percent(Double share) {
        return BigDecimal.valueOf(share * 100).stripTrailingZeros().toPlainString() + "%";
    }
}
