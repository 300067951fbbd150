package dev.fmnist.engine.sweeps;

import dev.fmnist.contract.experiments.ExperimentEvent.Cancelled;
import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.SweepRow;
import dev.fmnist.contract.experiments.Sweep;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a sweep came to, once every child ended, whichever trainers ran them.
 *
 * @param rows one per child: a grid's in its order, a random search's ranked by validation accuracy
 * @param outcome CANCELLED when a child was cancelled, SUCCEEDED when every child succeeded, else FAILED
 * @param reason why it did not succeed; null when it did
 */
public record SweepOutcome(List<SweepRow> rows, Type outcome, String reason) {

    public SweepOutcome {
        rows = List.copyOf(rows);
    }

    /**
     * The outcome of {@code sweep} from its children's states; empty while a child has not ended (or is
     * not known yet). A grid's rows follow its values. A random search's rows are ranked by validation
     * accuracy, best first, and only the winner's carries its test accuracy: the test set is looked at
     * once, after the choice.
     */
    public static Optional<SweepOutcome> of(ExperimentState sweep, Function<String, Optional<ExperimentState>> children) {
        Sweep definition = sweep.sweep();
        List<SweepRow> rows = new ArrayList<>();
        List<String> ids = sweep.childIds();
        List<Map<String, Double>> options = definition.childOptions();
        for (int i = 0; i < ids.size(); i++) {
            Optional<ExperimentState> child = children.apply(ids.get(i));
            if (child.isEmpty() || !child.get().isEnded()) {
                return Optional.empty();
            }
            rows.add(definition.isRandom() ? SweepRow.of(i, options.get(i), child.get())
                    : SweepRow.of(definition.values().get(i), child.get()));
        }
        if (definition.isRandom()) {
            rows.sort(Comparator.comparing((SweepRow r) -> r.succeeded() && r.valAccuracy() != null ? r.valAccuracy()
                    : Double.NEGATIVE_INFINITY).reversed().thenComparingDouble(SweepRow::value));
            for (int rank = 1; rank < rows.size(); rank++) { // the winner keeps its test accuracy, alone
                rows.set(rank, rows.get(rank).withoutTestAccuracy());
            }
        }
        return Optional.of(of(rows));
    }

    /** The sweep's end event: no artefact of its own (its runs published theirs). */
    public Terminal end(String sweepId, Subject subject) {
        return switch (outcome) {
            case SUCCEEDED -> Succeeded.of(sweepId, subject, null, null, reason);
            case CANCELLED -> Cancelled.of(sweepId, subject, reason);
            default -> Failed.of(sweepId, subject, reason);
        };
    }

    private static SweepOutcome of(List<SweepRow> rows) {
        long succeeded = rows.stream().filter(SweepRow::succeeded).count();
        boolean cancelled = rows.stream().anyMatch(r -> r.status() == Type.CANCELLED);
        Type outcome = cancelled ? Type.CANCELLED : succeeded == rows.size() ? Type.SUCCEEDED : Type.FAILED;
        String reason = outcome == Type.SUCCEEDED ? null : succeeded + " of " + rows.size() + " runs succeeded";
        return new SweepOutcome(rows, outcome, reason);
    }
}
