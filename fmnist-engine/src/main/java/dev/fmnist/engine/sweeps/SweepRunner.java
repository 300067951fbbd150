package dev.fmnist.engine.sweeps;

import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.SweepRow;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs a sweep: its children one after another, each to its own terminal event, then the sweep's
 * outcome. Whoever calls it says how a child runs and which children already ended (after a restart
 * those are not run again).
 */
public final class SweepRunner {

    private final Function<ExperimentRequest, Optional<ExperimentEvent>> endedBefore;
    private final Function<ExperimentRequest, ExperimentEvent> runChild;

    /**
     * @param endedBefore a child's terminal event when it already ended
     * @param runChild runs a child to its terminal event
     */
    public SweepRunner(Function<ExperimentRequest, Optional<ExperimentEvent>> endedBefore,
            Function<ExperimentRequest, ExperimentEvent> runChild) {
        this.endedBefore = endedBefore;
        this.runChild = runChild;
    }

    /** Runs every child of {@code sweep} and sums them up. */
    public SweepOutcome run(ExperimentRequest sweep) {
        List<ExperimentRequest> children = sweep.children();
        List<SweepRow> rows = new ArrayList<>();
        for (int i = 0; i < children.size(); i++) {
            ExperimentRequest child = children.get(i);
            ExperimentEvent end = endedBefore.apply(child).orElseGet(() -> runChild.apply(child));
            rows.add(SweepRow.of(sweep.sweep().values().get(i), end));
        }
        return SweepOutcome.of(rows);
    }

    /**
     * What a sweep came to.
     *
     * @param rows one per child, in the sweep's order
     * @param outcome CANCELLED when a child was cancelled, SUCCEEDED when every child succeeded, else FAILED
     * @param reason why it did not succeed; null when it did
     */
    public record SweepOutcome(List<SweepRow> rows, Type outcome, String reason) {

        public SweepOutcome {
            rows = List.copyOf(rows);
        }

        static SweepOutcome of(List<SweepRow> rows) {
            long succeeded = rows.stream().filter(SweepRow::succeeded).count();
            boolean cancelled = rows.stream().anyMatch(r -> r.status() == Type.CANCELLED);
            Type outcome = cancelled ? Type.CANCELLED : succeeded == rows.size() ? Type.SUCCEEDED : Type.FAILED;
            String reason = outcome == Type.SUCCEEDED ? null : succeeded + " of " + rows.size() + " runs succeeded";
            return new SweepOutcome(rows, outcome, reason);
        }
    }
}
