package dev.fmnist.inference.live;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.predictions.LiveStats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Instant;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * How the aggregation keeps a version's {@link LiveStats} in its store and changelog: every event
 * counted reads the statistics and writes them back, so they are kept as fixed binary fields rather
 * than the contract's JSON (a JSON parse and write of a few KiB per prediction was most of the
 * processor's cost). What leaves the processor, the live-accuracy topic, is still the contract's JSON.
 * Values are read back through {@link LiveStats}' own constructor, so a forged changelog record is
 * refused by the same checks as a forged JSON one; values written by the earlier, JSON-keeping
 * processor (first byte 0: the length of their key) are still read.
 */
final class LiveStatsStoreSerde {

    /** The first byte of this format; the JSON format's first byte is the high byte of its key's length: 0. */
    private static final byte FORMAT = 2;
    private static final int CLASSES = FashionMnist.CLASSES;
    private static final int NANOS_PER_SECOND = 1_000_000_000;

    private static final Serde<LiveStats> JSON =
            KeyedJsonSerde.of(s -> LiveStats.key(s.model(), s.version()), LiveStats::toJson, LiveStats::parse);

    static final Serde<LiveStats> SERDE = Serdes.serdeFrom(LiveStatsStoreSerde::write, LiveStatsStoreSerde::read);

    private LiveStatsStoreSerde() {}

    private static byte[] write(String topic, LiveStats stats) {
        if (stats == null) {
            return null;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1536);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            write(out, stats);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** {@code stats}' fields, in this format's order (a tally's counts are written the same way). */
    static void write(DataOutputStream out, LiveStats stats) throws IOException {
        out.writeUTF(stats.model());
        out.writeUTF(stats.version());
        out.writeLong(stats.predictions());
        out.writeLong(stats.shadowPredictions());
        for (long count : stats.predicted()) {
            out.writeLong(count);
        }
        out.writeLong(stats.labelled());
        out.writeLong(stats.correct());
        for (long[] row : stats.confusion()) {
            for (long count : row) {
                out.writeLong(count);
            }
        }
        out.writeUTF(stats.recent());
        out.writeBoolean(stats.comparedWith() != null);
        if (stats.comparedWith() != null) {
            out.writeUTF(stats.comparedWith());
        }
        out.writeLong(stats.compared());
        out.writeLong(stats.agreed());
        out.writeLong(stats.updatedAt().getEpochSecond());
        out.writeInt(stats.updatedAt().getNano());
    }

    private static LiveStats read(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] == 0) {
            return JSON.deserializer().deserialize(topic, data);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalArgumentException("format: expected " + FORMAT + " (or 0, JSON), got " + format);
            }
            LiveStats stats = read(in);
            if (in.available() > 0) {
                throw new IllegalArgumentException("stats: " + in.available() + " bytes after the last field");
            }
            return stats;
        } catch (IOException e) {
            throw new IllegalArgumentException("stats: truncated (" + e.getMessage() + ")", e);
        }
    }

    /** Fields {@link #write(DataOutputStream, LiveStats)} wrote, through LiveStats' checks. */
    static LiveStats read(DataInputStream in) throws IOException {
        String model = in.readUTF();
        String version = in.readUTF();
        long predictions = in.readLong();
        long shadowPredictions = in.readLong();
        long[] predicted = new long[CLASSES];
        for (int c = 0; c < CLASSES; c++) {
            predicted[c] = in.readLong();
        }
        long labelled = in.readLong();
        long correct = in.readLong();
        long[][] confusion = new long[CLASSES][CLASSES];
        for (long[] row : confusion) {
            for (int c = 0; c < CLASSES; c++) {
                row[c] = in.readLong();
            }
        }
        String recent = in.readUTF();
        String comparedWith = in.readBoolean() ? in.readUTF() : null;
        long compared = in.readLong();
        long agreed = in.readLong();
        long seconds = in.readLong();
        int nanos = in.readInt();
        if (nanos < 0 || nanos >= NANOS_PER_SECOND) {
            throw new IllegalArgumentException("updatedAt: nanoseconds " + nanos + " are not within 0.." + (NANOS_PER_SECOND - 1));
        }
        Instant updatedAt;
        try {
            updatedAt = Instant.ofEpochSecond(seconds, nanos);
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("updatedAt: " + e.getMessage(), e);
        }
        return new LiveStats(model, version, predictions, shadowPredictions, predicted, labelled, correct,
                confusion, recent, comparedWith, compared, agreed, updatedAt);
    }
}
