package dev.fmnist.engine.training;

import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Everything a run needs to continue exactly where it was: the weights (with batch normalisation's
 * running statistics), the optimiser's state (Adam's and AdamW's two moments, SGD's momentum, and each
 * parameter's update count, from which the learning-rate schedule's position follows), the finished
 * epochs' metrics, keep-best and early-stopping state, and, taken mid-epoch, the position in the epoch
 * (batches done, the running loss sum and correct count). The random generators are not stored: the
 * shuffle's and the augmentation's are replayed from the seed up to the position, and dropout's is
 * re-seeded from (seed, epoch, batch) before every batch (see {@link FashionMnistTrainer}).
 *
 * <p>A checkpoint belongs to one network and recipe: its {@link #fingerprint()} is a digest of both,
 * and resuming with any other is refused.
 *
 * <p>What holds: on the CPU, with the same thread count, a run resumed from a checkpoint ends with
 * weights bit-identical to the uninterrupted run's, and the same per-epoch losses and accuracies (the
 * timings and memory figures are measured afresh). On a GPU the resumed run sees the same data in the
 * same order and continues from the same weights and optimiser state, but the floats are not
 * bit-identical to an uninterrupted run's: cuDNN's and cuBLAS's kernels may reduce in a different order
 * on every call (the uninterrupted run is not bit-identical with itself either).
 *
 * <p>Bytes ({@link #toBytes()}): the magic {@code FMNISTCK}, a format version, the fields in a fixed
 * order (big-endian; float arrays as their element count and elements) and a CRC-32 of all before it.
 * {@link #fromBytes} reads checkpoints as hostile input: every count is bounded by what the bytes can
 * hold, so a forged length allocates nothing, and every refusal names the field.
 */
public final class TrainingCheckpoint {

    static final byte[] MAGIC = "FMNISTCK".getBytes(StandardCharsets.US_ASCII);
    static final int FORMAT_VERSION = 1;
    /** More named arrays than any network here has parameters (BetterNet has a dozen or so). */
    static final int MAX_ARRAYS = 4096;
    static final int MAX_NAME_BYTES = 256;
    /** Adam keeps two arrays per parameter, SGD with momentum one. */
    static final int MAX_SLOTS = 2;
    private static final int FINGERPRINT_CHARS = 64;
    private static final int CRC_BYTES = Integer.BYTES;
    private static final int METRICS_BYTES = Integer.BYTES + 8 * Double.BYTES + Long.BYTES;
    private static final String FINGERPRINT_DOMAIN = "fmnist training checkpoint 1\n";

    /** One parameter's values, in the order of the network's parameter list. */
    record NamedArray(String name, float[] values) {}

    /** One trainable parameter's optimiser state: its update count and the optimiser's arrays for it. */
    record ParameterState(String name, int updates, List<float[]> slots) {}

    /**
     * What keep-best and early stopping carry from epoch to epoch.
     *
     * @param bestParameters the best epoch's weights; empty while there is none
     */
    record Kept(double bestValidation, int bestEpoch, List<NamedArray> bestParameters, double stoppingBest,
            int sinceImprovement) {}

    private final String fingerprint;
    private final int epoch;
    private final int batchesDone;
    private final double lossSum;
    private final long correct;
    private final double trainSeconds;
    private final List<EpochMetrics> epochs;
    private final List<NamedArray> weights;
    private final List<ParameterState> optimizer;
    private final Kept kept;

    TrainingCheckpoint(String fingerprint, int epoch, int batchesDone, double lossSum, long correct,
            double trainSeconds, List<EpochMetrics> epochs, List<NamedArray> weights, List<ParameterState> optimizer,
            Kept kept) {
        require(fingerprint != null && fingerprint.length() == FINGERPRINT_CHARS
                && fingerprint.chars().allMatch(c -> Character.digit(c, 16) >= 0 && !Character.isUpperCase(c)),
                "fingerprint", "must be " + FINGERPRINT_CHARS + " lower-case hex digits");
        require(epoch >= 0 && epoch <= HyperParameters.MAX_EPOCHS, "epoch", "must be between 0 and "
                + HyperParameters.MAX_EPOCHS + ", got " + epoch);
        require(batchesDone >= 0 && batchesDone <= HyperParameters.MAX_TRAIN_IMAGES, "batchesDone",
                "must be between 0 and " + HyperParameters.MAX_TRAIN_IMAGES + ", got " + batchesDone);
        require(Double.isFinite(lossSum) && (batchesDone > 0 || lossSum == 0), "lossSum",
                "must be finite, and 0 at an epoch's start, got " + lossSum);
        require(correct >= 0 && correct <= HyperParameters.MAX_TRAIN_IMAGES && (batchesDone > 0 || correct == 0),
                "correct", "must be between 0 and " + HyperParameters.MAX_TRAIN_IMAGES + ", and 0 at an epoch's start,"
                        + " got " + correct);
        require(trainSeconds >= 0 && Double.isFinite(trainSeconds), "trainSeconds", "must be finite and >= 0, got "
                + trainSeconds);
        require(epochs.size() == epoch, "epochs", "must hold the " + epoch + " finished epochs, got "
                + epochs.size());
        for (int i = 0; i < epochs.size(); i++) {
            require(epochs.get(i).epoch() == i, "epochs[" + i + "].epoch", "must be " + i + ", got "
                    + epochs.get(i).epoch());
        }
        require(!weights.isEmpty(), "weights", "must not be empty");
        require(kept.bestEpoch() >= -1 && kept.bestEpoch() < epoch, "bestEpoch", "must be -1 (none) or a finished"
                + " epoch, got " + kept.bestEpoch());
        require(kept.bestParameters().isEmpty() == (kept.bestEpoch() < 0), "bestParameters",
                "must be present exactly when there is a best epoch");
        require(kept.sinceImprovement() >= 0 && kept.sinceImprovement() <= epoch, "sinceImprovement",
                "must be between 0 and the finished epochs, got " + kept.sinceImprovement());
        for (ParameterState state : optimizer) {
            require(state.updates() >= 0, "optimizer." + state.name() + ".updates", "must be >= 0, got "
                    + state.updates());
            require(state.slots().size() <= MAX_SLOTS, "optimizer." + state.name() + ".slots", "at most " + MAX_SLOTS);
        }
        this.fingerprint = fingerprint;
        this.epoch = epoch;
        this.batchesDone = batchesDone;
        this.lossSum = lossSum;
        this.correct = correct;
        this.trainSeconds = trainSeconds;
        this.epochs = List.copyOf(epochs);
        this.weights = List.copyOf(weights);
        this.optimizer = List.copyOf(optimizer);
        this.kept = new Kept(kept.bestValidation(), kept.bestEpoch(), List.copyOf(kept.bestParameters()),
                kept.stoppingBest(), kept.sinceImprovement());
    }

    /** The digest a checkpoint of {@code spec} trained with {@code hp} carries. */
    public static String fingerprint(NetworkSpec spec, HyperParameters hp) {
        // records print every component, enums by name and doubles exactly, so equal recipes print alike
        String identity = FINGERPRINT_DOMAIN + spec + "\n" + hp;
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(identity.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** The epoch to continue in, 0-based. */
    public int epoch() {
        return epoch;
    }

    /** Batches of {@link #epoch()} already done; 0 at an epoch boundary. */
    public int batchesDone() {
        return batchesDone;
    }

    /** The finished epochs' metrics, in order. */
    public List<EpochMetrics> epochs() {
        return epochs;
    }

    /** The digest of the network and recipe this checkpoint belongs to ({@link #fingerprint(NetworkSpec, HyperParameters)}). */
    public String fingerprint() {
        return fingerprint;
    }

    double lossSum() {
        return lossSum;
    }

    long correct() {
        return correct;
    }

    /** Training seconds the interrupted epoch had already spent. */
    double trainSeconds() {
        return trainSeconds;
    }

    List<NamedArray> weights() {
        return weights;
    }

    List<ParameterState> optimizer() {
        return optimizer;
    }

    Kept kept() {
        return kept;
    }

    /** The checkpoint as bytes that {@link #fromBytes} reads back to an equal checkpoint. */
    public byte[] toBytes() {
        byte[] fingerprintBytes = fingerprint.getBytes(StandardCharsets.US_ASCII);
        long size = MAGIC.length + Integer.BYTES + Integer.BYTES + fingerprintBytes.length + 2 * Integer.BYTES
                + 2 * Double.BYTES + Long.BYTES + Integer.BYTES + (long) epochs.size() * METRICS_BYTES
                + arraysSize(weights) + Integer.BYTES + Double.BYTES + Integer.BYTES + arraysSize(kept.bestParameters())
                + Double.BYTES + Integer.BYTES + CRC_BYTES;
        for (ParameterState state : optimizer) {
            size += nameSize(state.name()) + 2 * Integer.BYTES;
            for (float[] slot : state.slots()) {
                size += Integer.BYTES + (long) slot.length * Float.BYTES;
            }
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a checkpoint of " + size + " bytes is larger than one array can hold");
        }
        ByteBuffer out = ByteBuffer.allocate((int) size);
        out.put(MAGIC).putInt(FORMAT_VERSION);
        out.putInt(fingerprintBytes.length).put(fingerprintBytes);
        out.putInt(epoch).putInt(batchesDone).putDouble(lossSum).putLong(correct).putDouble(trainSeconds);
        out.putInt(epochs.size());
        for (EpochMetrics m : epochs) {
            out.putInt(m.epoch()).putDouble(m.trainSeconds()).putDouble(m.loss()).putDouble(m.trainAccuracy())
                    .putDouble(m.testAccuracy()).putDouble(m.evalSeconds()).putDouble(m.imagesPerSecond())
                    .putLong(m.rssBytes()).putDouble(m.valAccuracy()).putDouble(m.valLoss());
        }
        putArrays(out, weights);
        out.putInt(kept.bestEpoch()).putDouble(kept.bestValidation()).putInt(kept.sinceImprovement());
        putArrays(out, kept.bestParameters());
        out.putDouble(kept.stoppingBest());
        out.putInt(optimizer.size());
        for (ParameterState state : optimizer) {
            putName(out, state.name());
            out.putInt(state.updates()).putInt(state.slots().size());
            for (float[] slot : state.slots()) {
                putFloats(out, slot);
            }
        }
        CRC32 crc = new CRC32();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        if (out.hasRemaining()) {
            throw new IllegalStateException("checkpoint size miscounted by " + out.remaining() + " bytes");
        }
        return out.array();
    }

    /**
     * Reads a checkpoint written by {@link #toBytes()}.
     *
     * @throws IllegalArgumentException naming what is wrong: not a checkpoint (magic), another format
     *     version, a checksum that does not match (corrupt), truncated, or a field out of its bounds
     */
    public static TrainingCheckpoint fromBytes(byte[] bytes) {
        require(bytes != null, "bytes", "required");
        require(bytes.length >= MAGIC.length && Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length),
                "magic", "not a training checkpoint (it does not start with FMNISTCK)");
        require(bytes.length >= MAGIC.length + Integer.BYTES + CRC_BYTES, "bytes", "truncated: " + bytes.length
                + " bytes");
        ByteBuffer in = ByteBuffer.wrap(bytes, 0, bytes.length - CRC_BYTES);
        in.position(MAGIC.length);
        int version = in.getInt();
        require(version == FORMAT_VERSION, "format version", version + " is not the version this engine reads ("
                + FORMAT_VERSION + ")");
        CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - CRC_BYTES);
        int stored = ByteBuffer.wrap(bytes, bytes.length - CRC_BYTES, CRC_BYTES).getInt();
        require(stored == (int) crc.getValue(), "checksum", "does not match the bytes (corrupt or truncated)");
        try {
            Reader reader = new Reader(in);
            String fingerprint = reader.name("fingerprint", FINGERPRINT_CHARS);
            int epoch = in.getInt();
            int batchesDone = in.getInt();
            double lossSum = in.getDouble();
            long correct = in.getLong();
            double trainSeconds = in.getDouble();
            int epochCount = reader.count("epochs", HyperParameters.MAX_EPOCHS, METRICS_BYTES);
            List<EpochMetrics> epochs = new ArrayList<>(epochCount);
            for (int i = 0; i < epochCount; i++) {
                epochs.add(new EpochMetrics(in.getInt(), in.getDouble(), in.getDouble(), in.getDouble(), in.getDouble(),
                        in.getDouble(), in.getDouble(), in.getLong(), in.getDouble(), in.getDouble()));
            }
            List<NamedArray> weights = reader.arrays("weights");
            int bestEpoch = in.getInt();
            double bestValidation = in.getDouble();
            int sinceImprovement = in.getInt();
            List<NamedArray> best = reader.arrays("bestParameters");
            double stoppingBest = in.getDouble();
            int states = reader.count("optimizer", MAX_ARRAYS, 3 * Integer.BYTES);
            List<ParameterState> optimizer = new ArrayList<>(states);
            for (int i = 0; i < states; i++) {
                String name = reader.name("optimizer[" + i + "].name", MAX_NAME_BYTES);
                int updates = in.getInt();
                int slotCount = reader.count("optimizer." + name + ".slots", MAX_SLOTS, Integer.BYTES);
                List<float[]> slots = new ArrayList<>(slotCount);
                for (int s = 0; s < slotCount; s++) {
                    slots.add(reader.floats("optimizer." + name + ".slots[" + s + "]"));
                }
                optimizer.add(new ParameterState(name, updates, slots));
            }
            require(!in.hasRemaining(), "bytes", in.remaining() + " bytes left over after the last field");
            return new TrainingCheckpoint(fingerprint, epoch, batchesDone, lossSum, correct, trainSeconds, epochs,
                    weights, optimizer, new Kept(bestValidation, bestEpoch, best, stoppingBest, sinceImprovement));
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("bytes: truncated: a field runs past the end of the "
                    + bytes.length + " bytes", e);
        }
    }

    @Override
    public String toString() {
        return "checkpoint at epoch " + epoch + ", batch " + batchesDone + " (" + fingerprint.substring(0, 12) + ")";
    }

    private static long nameSize(String name) {
        return Integer.BYTES + name.getBytes(StandardCharsets.UTF_8).length;
    }

    private static long arraysSize(List<NamedArray> arrays) {
        long size = Integer.BYTES;
        for (NamedArray array : arrays) {
            size += nameSize(array.name()) + Integer.BYTES + (long) array.values().length * Float.BYTES;
        }
        return size;
    }

    private static void putName(ByteBuffer out, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        out.putInt(bytes.length).put(bytes);
    }

    private static void putFloats(ByteBuffer out, float[] values) {
        out.putInt(values.length);
        out.asFloatBuffer().put(values);
        out.position(out.position() + values.length * Float.BYTES);
    }

    private static void putArrays(ByteBuffer out, List<NamedArray> arrays) {
        out.putInt(arrays.size());
        for (NamedArray array : arrays) {
            putName(out, array.name());
            putFloats(out, array.values());
        }
    }

    private static void require(boolean rule, String field, String text) {
        if (!rule) {
            throw new IllegalArgumentException(field + ": " + text);
        }
    }

    /** Bounded reads: a count is believed only as far as the bytes left can hold that many entries. */
    private record Reader(ByteBuffer in) {

        int count(String field, int max, int minBytesEach) {
            int count = in.getInt();
            require(count >= 0 && count <= max, field, "count must be between 0 and " + max + ", got " + count);
            require((long) count * minBytesEach <= in.remaining(), field, "truncated: " + count + " entries cannot"
                    + " fit in the " + in.remaining() + " bytes left");
            return count;
        }

        String name(String field, int maxBytes) {
            int length = count(field, maxBytes, 1);
            byte[] bytes = new byte[length];
            in.get(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        float[] floats(String field) {
            int length = count(field, Integer.MAX_VALUE / Float.BYTES, Float.BYTES);
            float[] values = new float[length];
            in.asFloatBuffer().get(values);
            in.position(in.position() + length * Float.BYTES);
            return values;
        }

        List<NamedArray> arrays(String field) {
            int count = count(field, MAX_ARRAYS, 2 * Integer.BYTES);
            List<NamedArray> arrays = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = name(field + "[" + i + "].name", MAX_NAME_BYTES);
                arrays.add(new NamedArray(name, floats(field + "." + name)));
            }
            return arrays;
        }
    }
}
