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
            if (record.value() == null) {
                table.apply(record.key(), null);
            } else {
                parse(record.value()).filter(s -> s.experimentId().equals(record.key()))
                        .ifPresent(s -> table.apply(record.key(), s));
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
