package dev.fmnist.cli.history;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.contract.experiments.ExperimentEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Every experiment on the events topic, in the order first seen. */
public final class ExperimentHistory {

    private final Map<String, ExperimentRecord> records = new LinkedHashMap<>();

    /** Reads the whole events topic as it is now. */
    public static ExperimentHistory read(Broker broker) {
        ExperimentHistory history = new ExperimentHistory();
        broker.follow(broker.options().events(), record -> {
            parse(record).ifPresent(history::apply);
            return true;
        }, () -> true);
        return history;
    }

    /** The event in a record; empty for a record that is not one (logged nowhere: the CLI only reads). */
    public static Optional<ExperimentEvent> parse(ConsumerRecord<String, byte[]> record) {
        try {
            return Optional.of(ExperimentEvent.parse(record.value()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public void apply(ExperimentEvent event) {
        records.computeIfAbsent(event.experimentId(), ExperimentRecord::new).apply(event);
    }

    public List<ExperimentRecord> all() {
        return new ArrayList<>(records.values());
    }

    public Optional<ExperimentRecord> find(String id) {
        return Optional.ofNullable(records.get(id));
    }

    /** The experiment, or NOT_FOUND naming where it was looked for. */
    public ExperimentRecord require(String id, Broker broker) {
        return find(id).orElseThrow(() -> new CliException(ExitCode.NOT_FOUND, "no experiment '" + id + "' on "
                + broker.options().events() + " at " + broker.options().bootstrapServers
                + "; 'fmnist list' shows the known ones"));
    }

    /** The runs of a sweep, in the order they were queued. */
    public List<ExperimentRecord> children(String parentId) {
        return records.values().stream().filter(r -> parentId.equals(r.getParentId())).toList();
    }
}
