package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The artefacts of one served model seen on the models topic, in publication order, as small index
 * entries: where each lies (its offset) and what its record headers (or, for a record without them,
 * its manifest) say, not its bytes, so a replica chooses what to serve at start-up, and a pin or a
 * rollback to an older version, without holding any artefact: it fetches just that record. Bounded by
 * the topic, which compacts versions older than a week.
 */
public final class PublishedVersions {

    /**
     * One published artefact: its version and parameters' sha256, the experiment that trained it, its
     * test accuracy and creation time, and its offset on the models topic.
     */
    public record Entry(String version, String parametersSha256, String experimentId, double testAccuracy,
            String createdAt, long offset) {

        /** What an artefact's own manifest says, read at {@code offset}. */
        public static Entry of(ModelManifest manifest, long offset) {
            return new Entry(manifest.version(), manifest.parametersSha256(),
                    manifest.experimentId() == null ? "" : manifest.experimentId(), manifest.testAccuracy(),
                    manifest.createdAt() == null ? "" : manifest.createdAt(), offset);
        }

        /** Whether a pin names it: by artefact version or by the experiment that published it. */
        public boolean answersTo(String pin) {
            return version.equals(pin) || experimentId.equals(pin);
        }

        /**
         * Where the artefact fetched for this entry says otherwise than the entry (its record's headers):
         * the first field that differs, or empty when they agree. Guards against a record whose headers
         * claim a version, experiment or accuracy its content does not have.
         */
        public Optional<String> disagreement(ModelManifest manifest) {
            Entry actual = of(manifest, offset);
            if (!actual.parametersSha256.equals(parametersSha256)) {
                return Optional.of("parametersSha256: the record says " + parametersSha256 + ", the manifest "
                        + actual.parametersSha256);
            }
            if (!actual.version.equals(version)) {
                return Optional.of("version: the record says " + version + ", the manifest " + actual.version);
            }
            if (!actual.experimentId.equals(experimentId)) {
                return Optional.of("experimentId: the record says '" + experimentId + "', the manifest '"
                        + actual.experimentId + "'");
            }
            if (Double.compare(actual.testAccuracy, testAccuracy) != 0) {
                return Optional.of("testAccuracy: the record says " + testAccuracy + ", the manifest "
                        + actual.testAccuracy);
            }
            return Optional.empty();
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    /** Records an artefact; the same offset read again (a replay) is not added twice. */
    public void add(ModelManifest manifest, long offset) {
        add(Entry.of(manifest, offset));
    }

    /**
     * Records an artefact, in offset order (the topic's); an entry at an offset already recorded (a
     * replay, or the index and the follower both seeing it) replaces nothing.
     */
    public synchronized void add(Entry entry) {
        int at = entries.size();
        while (at > 0 && entries.get(at - 1).offset() >= entry.offset()) {
            if (entries.get(at - 1).offset() == entry.offset()) {
                return;
            }
            at--;
        }
        entries.add(at, entry);
    }

    public synchronized int size() {
        return entries.size();
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
