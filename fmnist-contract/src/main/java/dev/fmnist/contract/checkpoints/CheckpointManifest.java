package dev.fmnist.contract.checkpoints;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import dev.fmnist.contract.experiments.ContractJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The record on {@code PREFIX.checkpoints} that makes one checkpoint of a run current, under
 * {@link #manifestKey}: which chunks hold it, how many bytes they make and their sha256, and what it
 * continues (epoch, batches, the training's fingerprint). The chunks are written first, under
 * {@link #chunkKey}s of their own checkpoint, so a writer that dies before the manifest leaves the
 * previous checkpoint current and whole. Every key starts with the experiment id and {@code #}, which
 * no experiment id contains, so no run's keys can collide with another's; every record goes to the
 * partition of the experiment id, so one run's checkpoint is read from one partition.
 *
 * <p>Records on the topic are hostile input: {@link #parse} refuses, naming the field, anything this
 * class would not write.
 *
 * @param experimentId the run
 * @param checkpointId names this checkpoint's chunks (letters, digits, '-'; unique per write)
 * @param worker the trainer that wrote it
 * @param attempt that trainer's claim on the run
 * @param epoch epochs finished: the 0-based epoch the run continues in
 * @param batchesDone batches of that epoch done; 0 at an epoch's end
 * @param chunks how many chunks: {@code ceil(totalBytes / CHUNK_BYTES)}
 * @param totalBytes the checkpoint's size, all chunks together
 * @param sha256 of the whole checkpoint, lowercase hex
 * @param fingerprint what it can continue: the training's fingerprint, equal to the request's
 * @param createdAt ISO-8601 instant it was written
 */
public record CheckpointManifest(
        String experimentId,
        String checkpointId,
        String worker,
        @JsonProperty(required = true) int attempt,
        @JsonProperty(required = true) int epoch,
        @JsonProperty(required = true) int batchesDone,
        @JsonProperty(required = true) int chunks,
        @JsonProperty(required = true) long totalBytes,
        String sha256,
        String fingerprint,
        String createdAt) {

    /** A chunk's size: half the broker's default record limit, so a cluster needs no setting for it. */
    public static final int CHUNK_BYTES = 512 * 1024;
    /**
     * The largest checkpoint read or written: a BetterNet's weights (10 MB), its optimiser's moments and
     * a kept best copy fit three times; a reader holds at most this much (twice, while it decodes).
     */
    public static final long MAX_BYTES = 128L * 1024 * 1024;
    /** So many chunks at most: {@link #MAX_BYTES} in {@link #CHUNK_BYTES}. */
    public static final int MAX_CHUNKS = (int) (MAX_BYTES / CHUNK_BYTES);
    /** Separates the experiment id from the rest of a key; no experiment id contains it. */
    public static final char KEY_SEPARATOR = '#';
    static final String MANIFEST_SUFFIX = "#checkpoint";
    static final String CHUNK_INFIX = "#chunk#";
    private static final Pattern CHECKPOINT_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int MAX_TEXT = 256;

    public CheckpointManifest {
        text("experimentId", experimentId);
        if (experimentId.indexOf(KEY_SEPARATOR) >= 0) {
            throw new IllegalArgumentException("experimentId: must not contain '" + KEY_SEPARATOR + "', got '"
                    + experimentId + "'");
        }
        if (checkpointId == null || !CHECKPOINT_ID.matcher(checkpointId).matches()) {
            throw new IllegalArgumentException("checkpointId: expected 1-64 letters, digits or '-', got "
                    + quoted(checkpointId));
        }
        text("worker", worker);
        atLeast("attempt", attempt, 1);
        atLeast("epoch", epoch, 0);
        atLeast("batchesDone", batchesDone, 0);
        if (totalBytes < 1 || totalBytes > MAX_BYTES) {
            throw new IllegalArgumentException("totalBytes: must be 1-" + MAX_BYTES + ", got " + totalBytes);
        }
        if (chunks != chunksFor(totalBytes)) {
            throw new IllegalArgumentException("chunks: " + totalBytes + " bytes make " + chunksFor(totalBytes)
                    + " chunks of " + CHUNK_BYTES + ", got " + chunks);
        }
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256: expected 64 lowercase hex digits, got " + quoted(sha256));
        }
        text("fingerprint", fingerprint);
        text("createdAt", createdAt);
        try {
            Instant.parse(createdAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("createdAt: not an ISO-8601 instant: " + quoted(createdAt));
        }
    }

    /** How many chunks {@code totalBytes} take. */
    public static int chunksFor(long totalBytes) {
        return (int) ((totalBytes + CHUNK_BYTES - 1) / CHUNK_BYTES);
    }

    /** The key of a run's current manifest. */
    public static String manifestKey(String experimentId) {
        return experimentId + MANIFEST_SUFFIX;
    }

    /** The key of chunk {@code index} (0-based) of one checkpoint of a run. */
    public static String chunkKey(String experimentId, String checkpointId, int index) {
        return experimentId + CHUNK_INFIX + checkpointId + KEY_SEPARATOR + index;
    }

    /** The key of this checkpoint's chunk {@code index}. */
    public String chunkKey(int index) {
        return chunkKey(experimentId, checkpointId, index);
    }

    /** The experiment a key of the topic belongs to; empty for a key that is none of ours. */
    public static Optional<String> experimentOf(String key) {
        int at = key == null ? -1 : key.indexOf(KEY_SEPARATOR);
        return at > 0 ? Optional.of(key.substring(0, at)) : Optional.empty();
    }

    /** True for the key of {@code experimentId}'s manifest. */
    public static boolean isManifestKey(String key, String experimentId) {
        return manifestKey(experimentId).equals(key);
    }

    /** True for the key of any chunk of any checkpoint of {@code experimentId}. */
    public static boolean isChunkKey(String key, String experimentId) {
        return key != null && key.startsWith(experimentId + CHUNK_INFIX);
    }

    public byte[] toJson() {
        try {
            return ContractJson.MAPPER.writeValueAsBytes(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads the manifest under {@code key}; it must be the manifest key of the experiment it names.
     * Anything else is an {@link IllegalArgumentException} naming the field.
     */
    public static CheckpointManifest parse(String key, byte[] json) {
        if (json == null) {
            throw new IllegalArgumentException("value: a tombstone; expected a checkpoint manifest");
        }
        CheckpointManifest manifest;
        try {
            manifest = ContractJson.MAPPER.readValue(json, CheckpointManifest.class);
        } catch (IOException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new IllegalArgumentException("not a valid CheckpointManifest: " + cause.getMessage(), e);
        }
        if (manifest == null) {
            throw new IllegalArgumentException("not a valid CheckpointManifest: null");
        }
        if (!manifestKey(manifest.experimentId()).equals(key)) {
            throw new IllegalArgumentException("experimentId: '" + manifest.experimentId() + "' under the key '" + key
                    + "'; the key must be " + manifestKey(manifest.experimentId()));
        }
        return manifest;
    }

    private static void text(String field, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (value.length() > MAX_TEXT) {
            throw new IllegalArgumentException(field + ": at most " + MAX_TEXT + " characters, got " + value.length());
        }
    }

    private static void atLeast(String field, long value, long minimum) {
        if (value < minimum) {
            throw new IllegalArgumentException(field + ": must be at least " + minimum + ", got " + value);
        }
    }

    private static String quoted(String value) {
        return value == null ? "none" : "'" + (value.length() > MAX_TEXT ? value.substring(0, MAX_TEXT) + "..." : value)
                + "'";
    }
}
