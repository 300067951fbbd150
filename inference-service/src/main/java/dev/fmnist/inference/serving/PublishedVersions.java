package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The artefacts of one served model seen on the models topic, in publication order, as small index
 * entries: where each lies (its offset), not its bytes, so a pin or a rollback to an older version
 * fetches just that record again. Bounded by the topic, which compacts versions older than a week.
 */
public final class PublishedVersions {

    /** One published artefact: its version, the experiment that trained it, and its offset on the models topic. */
    public record Entry(String version, String experimentId, double testAccuracy, String createdAt, long offset) {

        static Entry of(ModelManifest manifest, long offset) {
            return new Entry(manifest.version(), manifest.experimentId() == null ? "" : manifest.experimentId(),
                    manifest.testAccuracy(), manifest.createdAt(), offset);
        }

        /** Whether a pin names it: by artefact version or by the experiment that published it. */
        public boolean answersTo(String pin) {
            return version.equals(pin) || experimentId.equals(pin);
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Records an artefact; the same offset read again (a replay) is not added twice. */
    public synchronized void add(ModelManifest manifest, long offset) {
        if (entries.stream().noneMatch(e -> e.offset() == offset)) {
            entries.add(Entry.of(manifest, offset));
        }
    }

    /** The newest artefact a pin names. */
    public synchronized Optional<Entry> find(String pin) {
        for (int i = entries.size() - 1; i >= 0; i--) {
            if (entries.get(i).answersTo(pin)) {
                return Optional.of(entries.get(i));
            }
        }
        return Optional.empty();
    }

    public synchronized Optional<Entry> newest() {
        return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(entries.size() - 1));
    }

    /** Newest first. */
    public synchronized List<Entry> newestFirst() {
        List<Entry> copy = new ArrayList<>(entries);
        Collections.reverse(copy);
        return copy;
    }
}
