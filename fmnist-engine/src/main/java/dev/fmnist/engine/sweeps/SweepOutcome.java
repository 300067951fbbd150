package dev.fmnist.engine.sweeps;

import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.SweepRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * What a sweep came to, once every child ended, whichever trainers ran them.
 *
 * @param rows one per child, in the sweep's order
 * @param outcome CANCELLED when a child was cancelled, SUCCEEDED when every child succeeded, else FAILED
 * @param reason why it did not succeed; null when it did
 */
public record SweepOutcome(List<SweepRow> rows, Type outcome, String reason) {

    public SweepOutcome {
        rows = List.copyOf(rows);
    }

    /**
     * The outcome of {@code sweep} from its children's states; empty while a child has not ended (or is
     * not known yet).
     */
    public static Optional<SweepOutcome> of(ExperimentState sweep, Function<String, Optional<ExperimentState>> children) {
        List<SweepRow> rows = new ArrayList<>();
        List<String> ids = sweep.childIds();
        for (int i = 0; i < ids.size(); i++) {
            Optional<ExperimentState> child = children.apply(ids.get(i));
            if (child.isEmpty() || !child.get().isEnded()) {
                return Optional.empty();
            }
            rows.add(SweepRow.of(sweep.sweep().values().get(i), child.get()));
        }
        return Optional.of(of(rows));
    }

    private static SweepOutcome of(List<SweepRow> rows) {
        long succeeded = rows.stream().filter(SweepRow::succeeded).count();
        boolean cancelled = rows.stream().anyMatch(r -> r.status() == Type.CANCELLED);
        Type outcome = cancelled ? Type.CANCELLED : succeeded == rows.size() ? Type.SUCCEEDED : Type.FAILED;
        String reason = outcome == Type.SUCCEEDED ? null : succeeded + " of " + rows.size() + " runs succeeded";
        return new SweepOutcome(rows, outcome, reason);
    }
}
