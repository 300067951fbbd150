package dev.fmnist.inference.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import java.time.Instant;
import java.util.Arrays;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

/** The aggregation's store format: every field back as it went in, the JSON format still read, garbage refused. */
class LiveStatsStoreSerdeTest {

    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00.123456789Z");
    private static final Serde<LiveStats> SERDE = LiveStatsStoreSerde.SERDE;

    /** Statistics with every field set: served and shadow answers, labels right and wrong, a comparison. */
    private static LiveStats busy() {
        LiveStats stats = LiveStats.empty("better", "aaaaaaaaaaa1");
        for (int n = 0; n < 1600; n++) {
            String id = String.format("%032x", n + 1);
            boolean shadow = n % 3 == 0;
            float[] p = new float[10];
            p[n % 10] = 1f;
            PredictionRecord prediction = new PredictionRecord(id, id, 0, "better", "aaaaaaaaaaa1",
                    shadow ? PredictionRole.SHADOW : PredictionRole.SERVED, n % 10, p, "classify", RequestSource.RAW,
                    250, T0.plusMillis(n), shadow ? "bbbbbbbbbbb2" : null, shadow ? (n / 2) % 10 : null, null);
            stats = stats.withPrediction(prediction);
            if (!shadow) {
                stats = stats.withOutcome(prediction,
                        new FeedbackRecord(id, (n * 7) % 10, FeedbackRecord.CLIENT, null, T0.plusMillis(n + 1)));
            }
        }
        return stats;
    }

    private static LiveStats roundTrip(LiveStats stats) {
        return SERDE.deserializer().deserialize("changelog", SERDE.serializer().serialize("changelog", stats));
    }

    @Test
    void everyFieldComesBackAsItWentIn() {
        LiveStats stats = busy();
        assertThat(stats.recent()).hasSize(LiveStats.RECENT_MAX);
        assertThat(stats.comparedWith()).isEqualTo("bbbbbbbbbbb2");

        LiveStats back = roundTrip(stats);

        assertThat(back).isEqualTo(stats);
        assertThat(back.updatedAt()).isEqualTo(stats.updatedAt());
        assertThat(Arrays.deepToString(back.confusion())).isEqualTo(Arrays.deepToString(stats.confusion()));
        assertThat(roundTrip(LiveStats.empty("mlp", "ccccccccccc3"))).isEqualTo(LiveStats.empty("mlp", "ccccccccccc3"));
    }

    @Test
    void aValueTheJsonKeepingProcessorWroteIsStillRead() {
        LiveStats stats = busy();
        Serde<LiveStats> json = KeyedJsonSerde.of(s -> LiveStats.key(s.model(), s.version()), LiveStats::toJson,
                LiveStats::parse);

        byte[] old = json.serializer().serialize("changelog", stats);

        assertThat(old[0]).as("the old format starts with its key's length").isZero();
        assertThat(SERDE.deserializer().deserialize("changelog", old)).isEqualTo(stats);
    }

    @Test
    void garbageIsRefusedNamingWhatIsWrong() {
        byte[] good = SERDE.serializer().serialize("changelog", busy());

        assertThatThrownBy(() -> SERDE.deserializer().deserialize("changelog", new byte[] {7, 1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("format: expected 2");
        assertThatThrownBy(() -> SERDE.deserializer().deserialize("changelog", Arrays.copyOf(good, good.length - 5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("stats: truncated");
        assertThatThrownBy(() -> SERDE.deserializer().deserialize("changelog", Arrays.copyOf(good, good.length + 3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("stats: 3 bytes after the last field");
        byte[] forged = good.clone();
        forged[forged.length - 12 - 8] ^= (byte) 0x80; // the sign bit of 'agreed' (before the 12 bytes of updatedAt)
        assertThatThrownBy(() -> SERDE.deserializer().deserialize("changelog", forged))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("agreed");
    }
}
