package dev.fmnist.inference.live;

import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One version's predictions counted in one task over a short while (the processor's commit interval):
 * the version's {@link LiveStats} of those predictions alone (no labels), and whether the shadow
 * comparison restarted within them. The processor folds a tally into the version's statistics once,
 * instead of sending every prediction across the repartition topic to be folded in one by one.
 *
 * @param counts the tally's predictions folded into empty statistics ({@link LiveStats#withPrediction})
 * @param restarted whether the served version the shadow answers were compared with changed within
 *     the tally: then the version's comparison restarts with the tally's, whatever it was before
 */
record PredictionTally(LiveStats counts, boolean restarted) {

    private static final byte FORMAT = 1;

    PredictionTally {
        if (counts == null) {
            throw new IllegalArgumentException("counts: required");
        }
        if (counts.labelled() != 0) {
            throw new IllegalArgumentException("labelled: a tally counts predictions only, got " + counts.labelled());
        }
        if (restarted && counts.comparedWith() == null) {
            throw new IllegalArgumentException("restarted: a comparison restarted with nothing compared");
        }
    }

    /** The first prediction of a tally. */
    static PredictionTally of(PredictionRecord p) {
        return new PredictionTally(LiveStats.empty(p.model(), p.version()), false).plus(p);
    }

    /** This tally with {@code p} (one of this version's) counted. */
    PredictionTally plus(PredictionRecord p) {
        boolean restart = restarted || p.role() == PredictionRole.SHADOW && counts.comparedWith() != null
                && !p.servedVersion().equals(counts.comparedWith());
        return new PredictionTally(counts.withPrediction(p), restart);
    }

    String model() {
        return counts.model();
    }

    String version() {
        return counts.version();
    }

    /**
     * {@code stats} (empty ones for a version seen first) with this tally folded in: as if its
     * predictions had been folded in one by one ({@link LiveStats#withPrediction}).
     */
    LiveStats applyTo(LiveStats stats) {
        LiveStats base = stats != null ? stats : LiveStats.empty(model(), version());
        if (!base.key().equals(counts.key())) {
            throw new IllegalArgumentException("version: a tally of " + counts.key() + " folded into the stats of "
                    + base.key());
        }
        long[] predicted = base.predicted();
        long[] tallied = counts.predicted();
        for (int c = 0; c < predicted.length; c++) {
            predicted[c] += tallied[c];
        }
        String against = base.comparedWith();
        long compared = base.compared();
        long agreed = base.agreed();
        if (counts.comparedWith() != null) {
            if (restarted || !counts.comparedWith().equals(against)) { // the served version changed: it restarts
                against = counts.comparedWith();
                compared = 0;
                agreed = 0;
            }
            compared += counts.compared();
            agreed += counts.agreed();
        }
        return new LiveStats(model(), version(), base.predictions() + counts.predictions(),
                base.shadowPredictions() + counts.shadowPredictions(), predicted, base.labelled(), base.correct(),
                base.confusion(), base.recent(), against, compared, agreed,
                counts.updatedAt().isAfter(base.updatedAt()) ? counts.updatedAt() : base.updatedAt());
    }

    /** How a tally waits in the processor's store (and its changelog) and travels to its version's task. */
    static final Serde<PredictionTally> SERDE = Serdes.serdeFrom((topic, tally) -> {
        if (tally == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
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
        out.writeBoolean(restarted);
        LiveStatsStoreSerde.write(out, counts);
    }

    static PredictionTally read(DataInputStream in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IllegalArgumentException("tally format: expected " + FORMAT + ", got " + format);
        }
        boolean restarted = in.readBoolean();
        return new PredictionTally(LiveStatsStoreSerde.read(in), restarted);
    }
}
