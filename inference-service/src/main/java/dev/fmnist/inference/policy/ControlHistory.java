package dev.fmnist.inference.policy;

import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

/**
 * What the model-control topic says happened to each model, read by the elected replica from the
 * beginning: the newest record, every version a record ever named (pinned or challenger: never a
 * candidate again, so a retired or rolled-back version is not challenged twice), and the champions in
 * the order they were pinned, less those rolled back from (where a rollback goes next). Used on the
 * policy's one thread only.
 */
final class ControlHistory {

    private static final Logger LOG = Logger.getLogger(ControlHistory.class);

    /** One model's history. */
    private static final class Model {
        ModelControl latest;
        final Set<String> named = new HashSet<>();
        final List<String> champions = new ArrayList<>();
        final Set<String> rolledBackFrom = new HashSet<>();
    }

    private final Map<String, Model> models = new HashMap<>();
    private long records;
    private long refused;

    /** Forgets everything: reading starts again from the beginning (a new election). */
    void clear() {
        models.clear();
        records = 0;
        refused = 0;
    }

    /** A record of the topic, in offset order; one that does not parse is skipped (the replicas skip it too). */
    void add(ConsumerRecord<String, byte[]> record) {
        records++;
        ModelControl control;
        try {
            control = ModelControl.parse(record.key(), record.value());
        } catch (IllegalArgumentException e) {
            refused++;
            LOG.debugf("policy: model-control record at offset %d skipped: %s", record.offset(), e.getMessage());
            return;
        }
        add(control);
    }

    /** A record, in the order the topic holds them. */
    void add(ModelControl control) {
        Model m = models.computeIfAbsent(control.model(), k -> new Model());
        if (control.decision() == ModelDecision.ROLLBACK && m.latest != null && m.latest.pinned() != null
                && !m.latest.pinned().equals(control.pinned())) {
            m.rolledBackFrom.add(m.latest.pinned());
        }
        if (control.pinned() != null) {
            m.named.add(control.pinned());
            if (m.champions.isEmpty() || !m.champions.get(m.champions.size() - 1).equals(control.pinned())) {
                m.champions.add(control.pinned());
            }
        }
        control.challengerVersion().ifPresent(m.named::add);
        m.latest = control;
    }

    /** The newest record for {@code model}, if any. */
    Optional<ModelControl> latest(String model) {
        return Optional.ofNullable(models.get(model)).map(m -> m.latest);
    }

    /** Whether some record named {@code matches} (a version or experiment id that answers to it) as champion or challenger. */
    boolean named(String model, Predicate<String> matches) {
        Model m = models.get(model);
        return m != null && m.named.stream().anyMatch(matches);
    }

    /** Whether {@code model} was rolled back from a pin that {@code matches}. */
    boolean rolledBackFrom(String model, Predicate<String> matches) {
        Model m = models.get(model);
        return m != null && m.rolledBackFrom.stream().anyMatch(matches);
    }

    /** The pins of {@code model}'s records, newest first, each run of the same pin once. */
    List<String> championsNewestFirst(String model) {
        Model m = models.get(model);
        if (m == null) {
            return List.of();
        }
        List<String> copy = new ArrayList<>(m.champions);
        Collections.reverse(copy);
        return copy;
    }

    /** Records read since the last {@link #clear}, and how many of them did not parse. */
    long records() {
        return records;
    }

    long refused() {
        return refused;
    }
}
