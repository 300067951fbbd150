package dev.fmnist.cli.history;

import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import java.util.Optional;

/**
 * Where every experiment stands now, from the compacted state topic: one record per experiment, so
 * {@code list} and {@code cancel} do not read the whole event history.
 */
public final class CurrentStates {

    private CurrentStates() {}

    /** The state topic as it is now, folded by the same rules the trainers use. */
    public static StateTable read(Broker broker) {
        StateTable table = new StateTable();
        broker.follow(broker.options().state(), record -> {
            try {
                table.apply(record.key(), record.value());
            } catch (IllegalArgumentException e) {
                // not a state record: another writer's, nothing for the CLI to judge
            }
            return true;
        }, () -> true);
        return table;
    }

    /** The state in a record; empty for one that is not (the CLI only reads). */
    public static Optional<ExperimentState> parse(byte[] value) {
        try {
            return Optional.of(ExperimentState.parse(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
