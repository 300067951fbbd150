package dev.fmnist.cli.output;

import dev.fmnist.contract.experiments.Sweep;
import dev.fmnist.contract.experiments.SweepRow;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A finished sweep's rows as people read them: a grid by value with each run's test accuracy; a
 * random search ranked by validation accuracy, with the test accuracy of the winner alone.
 */
public final class SweepTable {

    private SweepTable() {}

    /** The table of {@code rows}; {@code sweep} null reads as a grid (summaries written before random search). */
    public static Table of(Sweep sweep, List<SweepRow> rows) {
        if (sweep == null || !sweep.isRandom()) {
            Table table = new Table("VALUE", "EXPERIMENT", "STATUS", "TEST ACC");
            rows.forEach(row -> table.row(Formats.number(row.value()), row.experimentId(), row.status(),
                    row.testAccuracy() != null ? Formats.accuracy(row.testAccuracy()) : "-"));
            return table;
        }
        Table table = new Table("RANK", "TRIAL", "OPTIONS", "EPOCHS", "VAL ACC", "TEST ACC", "STATUS");
        int rank = 0;
        for (SweepRow row : rows) {
            rank++;
            table.row(rank, (long) row.value(), options(row.options()), row.epochsDone(),
                    row.valAccuracy() != null ? Formats.accuracy(row.valAccuracy()) : "-",
                    row.testAccuracy() != null ? Formats.accuracy(row.testAccuracy()) + " (winner)" : "-",
                    row.status() + (row.reason() == null ? "" : ": " + row.reason()));
        }
        return table;
    }

    /** {@code learningRate=0.0012 dropout=0.31}. */
    private static String options(Map<String, Double> options) {
        return options == null ? "-" : options.entrySet().stream()
                .map(o -> o.getKey() + "=" + significant(o.getValue()))
                .collect(Collectors.joining(" "));
    }

    /** Three significant digits, never in exponent form (0.000609, 250): draws have more than anyone reads. */
    private static String significant(double value) {
        return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }
}
