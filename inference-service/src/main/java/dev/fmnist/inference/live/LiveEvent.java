package dev.fmnist.inference.live;

import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * What one model version's statistics take in: a tally of the predictions it made in one task over a
 * commit interval, or the outcome of one prediction (the prediction with the label it got); a lone
 * prediction (what the processor sent before tallies) still counts as one. Travels on the processor's
 * repartition topic, keyed by {@link LiveStats#key}: a tally in its binary form, an outcome as its two
 * contract records' own JSON, read back through their parsers.
 */
record LiveEvent(PredictionRecord prediction, FeedbackRecord feedback, PredictionTally tally) {

    /** A record far above the largest prediction (1 MiB topic limit) and label: anything bigger is garbage. */
    static final int MAX_RECORD_BYTES = 2 * 1024 * 1024;
    /** A prediction, then whether a label follows, and the label. */
    private static final byte OUTCOME = 1;
    private static final byte TALLY = 2;

    LiveEvent {
        if ((tally == null) == (prediction == null) || tally != null && feedback != null) {
            throw new IllegalArgumentException("event: a tally, or a prediction with or without its label");
        }
    }

    static LiveEvent labelled(PredictionRecord prediction, FeedbackRecord feedback) {
        return new LiveEvent(prediction, feedback, null);
    }

    static LiveEvent tallied(PredictionTally tally) {
        return new LiveEvent(null, null, tally);
    }

    /** The statistics' key: the version that computed the predictions. */
    String statsKey() {
        return tally != null ? LiveStats.key(tally.model(), tally.version())
                : LiveStats.key(prediction.model(), prediction.version());
    }

    /** {@code stats} (empty ones for a version seen first) with this event counted. */
    LiveStats applyTo(LiveStats stats) {
        if (tally != null) {
            return tally.applyTo(stats);
        }
        LiveStats base = stats != null ? stats : LiveStats.empty(prediction.model(), prediction.version());
        return feedback == null ? base.withPrediction(prediction) : base.withOutcome(prediction, feedback);
    }

    /** Keyed records as their contract JSON, each behind its key (the parsers check key and record agree). */
    static final Serde<LiveEvent> SERDE = Serdes.serdeFrom(new Serializer<>() {
        @Override
        public byte[] serialize(String topic, LiveEvent event) {
            if (event == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                if (event.tally != null) {
                    out.writeByte(TALLY);
                    event.tally.write(out);
                    return bytes.toByteArray();
                }
                out.writeByte(OUTCOME);
                writeKeyed(out, event.prediction.predictionId(), event.prediction.toJson());
                out.writeBoolean(event.feedback != null);
                if (event.feedback != null) {
                    writeKeyed(out, event.feedback.predictionId(), event.feedback.toJson());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }
    }, new Deserializer<>() {
        @Override
        public LiveEvent deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
                byte format = in.readByte();
                if (format == TALLY) {
                    LiveEvent event = tallied(PredictionTally.read(in));
                    requireEnd(in);
                    return event;
                }
                if (format != OUTCOME) {
                    throw new IllegalArgumentException("format: expected " + OUTCOME + " or " + TALLY + ", got " + format);
                }
                String predictionKey = in.readUTF();
                PredictionRecord prediction = PredictionRecord.parse(predictionKey, readBytes(in));
                FeedbackRecord feedback = null;
                if (in.readBoolean()) {
                    String feedbackKey = in.readUTF();
                    feedback = FeedbackRecord.parse(feedbackKey, readBytes(in));
                }
                requireEnd(in);
                return new LiveEvent(prediction, feedback, null);
            } catch (IOException e) {
                throw new IllegalArgumentException("event: truncated (" + e.getMessage() + ")", e);
            }
        }
    });

    private static void requireEnd(DataInputStream in) throws IOException {
        if (in.available() > 0) {
            throw new IllegalArgumentException("event: " + in.available() + " bytes after the last field");
        }
    }

    static void writeKeyed(DataOutputStream out, String key, byte[] json) throws IOException {
        out.writeUTF(key);
        out.writeInt(json.length);
        out.write(json);
    }

    static byte[] readBytes(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_RECORD_BYTES) {
            throw new IllegalArgumentException("length: " + length + " is not within 0.." + MAX_RECORD_BYTES);
        }
        byte[] json = new byte[length];
        in.readFully(json);
        return json;
    }
}
