package dev.fmnist.inference.live;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.Versions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One version's predictions counted in one task over a short while (the processor's commit interval):
 * served and shadow answers, their classes, and the shadow answers' agreement with the version they
 * were compared with. The processor folds a tally into the version's {@link LiveStats} once, instead
 * of sending every prediction across the repartition topic to be folded in one by one. Immutable.
 *
 * @param comparedWith the served version the tally's latest shadow answers were compared with, or null;
 *     when it changed within the tally, compared and agreed count only since the change
 * @param restarted whether it changed within the tally: then the version's comparison restarts with
 *     the tally's, whatever it was compared with before
 */
record PredictionTally(String model, String version, long predictions, long shadowPredictions, long[] predicted,
        String comparedWith, boolean restarted, long compared, long agreed, Instant latest) {

    private static final int CLASSES = FashionMnist.CLASSES;
    private static final byte FORMAT = 1;

    PredictionTally {
        Versions.requireModel(model, "model");
        Versions.requireVersion(version, "version");
        if (predicted == null || predicted.length != CLASSES) {
            throw new IllegalArgumentException("predicted: expected " + CLASSES + " counts");
        }
        predicted = predicted.clone();
        long answers = 0;
        for (long count : predicted) {
            requireCount(count, "predicted");
            answers += count;
        }
        requireCount(predictions, "predictions");
        requireCount(shadowPredictions, "shadowPredictions");
        if (answers != predictions + shadowPredictions) {
            throw new IllegalArgumentException("predicted: sums to " + answers + ", not predictions + shadowPredictions");
        }
        if (comparedWith != null) {
            Versions.requireVersion(comparedWith, "comparedWith");
        }
        requireCount(compared, "compared");
        requireCount(agreed, "agreed");
        if (agreed > compared || compared > shadowPredictions || comparedWith == null && (compared != 0 || restarted)) {
            throw new IllegalArgumentException("compared: " + agreed + " agreed of " + compared + " compared does not fit "
                    + shadowPredictions + " shadow predictions compared with " + comparedWith);
        }
        if (latest == null) {
            throw new IllegalArgumentException("latest: required");
        }
    }

    private static void requireCount(long count, String field) {
        if (count < 0 || count > LiveStats.MAX_COUNT) {
            throw new IllegalArgumentException(field + ": must be between 0 and " + LiveStats.MAX_COUNT + ", got " + count);
        }
    }

    /** The first prediction of a tally. */
    static PredictionTally of(PredictionRecord p) {
        return new PredictionTally(p.model(), p.version(), 0, 0, new long[CLASSES], null, false, 0, 0, Instant.EPOCH)
                .plus(p);
    }

    /** This tally with {@code p} (one of this version's) counted. */
    PredictionTally plus(PredictionRecord p) {
        if (!p.model().equals(model) || !p.version().equals(version)) {
            throw new IllegalArgumentException("version: a prediction of " + LiveStats.key(p.model(), p.version())
                    + " tallied with " + LiveStats.key(model, version));
        }
        long[] counts = predicted.clone();
        counts[p.classIndex()]++;
        boolean shadow = p.role() == PredictionRole.SHADOW;
        String against = comparedWith;
        boolean restart = restarted;
        long newCompared = compared;
        long newAgreed = agreed;
        if (shadow) {
            if (!p.servedVersion().equals(comparedWith)) {
                restart |= comparedWith != null;
                against = p.servedVersion();
                newCompared = 0;
                newAgreed = 0;
            }
            newCompared++;
            newAgreed += p.agrees() ? 1 : 0;
        }
        return new PredictionTally(model, version, predictions + (shadow ? 0 : 1), shadowPredictions + (shadow ? 1 : 0),
                counts, against, restart, newCompared, newAgreed, p.at().isAfter(latest) ? p.at() : latest);
    }

    /**
     * {@code stats} (empty ones for a version seen first) with this tally folded in: as if its
     * predictions had been folded in one by one ({@link LiveStats#withPrediction}).
     */
    LiveStats applyTo(LiveStats stats) {
        LiveStats base = stats != null ? stats : LiveStats.empty(model, version);
        if (!base.model().equals(model) || !base.version().equals(version)) {
            throw new IllegalArgumentException("version: a tally of " + LiveStats.key(model, version)
                    + " folded into the stats of " + base.key());
        }
        long[] counts = base.predicted();
        for (int c = 0; c < CLASSES; c++) {
            counts[c] += predicted[c];
        }
        String against = base.comparedWith();
        long newCompared = base.compared();
        long newAgreed = base.agreed();
        if (comparedWith != null) {
            if (restarted || !comparedWith.equals(against)) { // the served version changed: the comparison restarts
                against = comparedWith;
                newCompared = 0;
                newAgreed = 0;
            }
            newCompared += compared;
            newAgreed += agreed;
        }
        return new LiveStats(model, version, base.predictions() + predictions,
                base.shadowPredictions() + shadowPredictions, counts, base.labelled(), base.correct(), base.confusion(),
                base.recent(), against, newCompared, newAgreed,
                latest.isAfter(base.updatedAt()) ? latest : base.updatedAt());
    }

    /** How a tally waits in the processor's store (and its changelog) and travels to its version's task. */
    static final Serde<PredictionTally> SERDE = Serdes.serdeFrom((topic, tally) -> {
        if (tally == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(192);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            tally.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }, (topic, data) -> {
        if (data == null) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            PredictionTally tally = read(in);
            if (in.available() > 0) {
                throw new IllegalArgumentException("tally: " + in.available() + " bytes after the last field");
            }
            return tally;
        } catch (IOException e) {
            throw new IllegalArgumentException("tally: truncated (" + e.getMessage() + ")", e);
        }
    });

    void write(DataOutputStream out) throws IOException {
        out.writeByte(FORMAT);
        out.writeUTF(model);
        out.writeUTF(version);
        out.writeLong(predictions);
        out.writeLong(shadowPredictions);
        for (long count : predicted) {
            out.writeLong(count);
        }
        out.writeBoolean(comparedWith != null);
        if (comparedWith != null) {
            out.writeUTF(comparedWith);
        }
        out.writeBoolean(restarted);
        out.writeLong(compared);
        out.writeLong(agreed);
        out.writeLong(latest.getEpochSecond());
        out.writeInt(latest.getNano());
    }

    static PredictionTally read(DataInputStream in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IllegalArgumentException("tally format: expected " + FORMAT + ", got " + format);
        }
        String model = in.readUTF();
        String version = in.readUTF();
        long predictions = in.readLong();
        long shadowPredictions = in.readLong();
        long[] predicted = new long[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            predicted[c] = in.readLong();
        }
        String comparedWith = in.readBoolean() ? in.readUTF() : null;
        boolean restarted = in.readBoolean();
        long compared = in.readLong();
        long agreed = in.readLong();
        long seconds = in.readLong();
        int nanos = in.readInt();
        Instant latest;
        try {
            latest = Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("latest: " + e.getMessage(), e);
        }
        return new PredictionTally(model, version, predictions, shadowPredictions, predicted, comparedWith, restarted,
                compared, agreed, latest);
    }

    @Override
    public long[] predicted() {
        return predicted.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PredictionTally t && model.equals(t.model) && version.equals(t.version)
                && predictions == t.predictions && shadowPredictions == t.shadowPredictions
                && Arrays.equals(predicted, t.predicted) && Objects.equals(comparedWith, t.comparedWith)
                && restarted == t.restarted
                && compared == t.compared && agreed == t.agreed && latest.equals(t.latest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, version, predictions, shadowPredictions, Arrays.hashCode(predicted));
    }

    @Override
    public String toString() {
        return "PredictionTally[" + LiveStats.key(model, version) + ": " + predictions + " served, " + shadowPredictions
                + " shadow, " + agreed + "/" + compared + " agreed with " + comparedWith + "]";
    }
}
