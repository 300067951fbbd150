package dev.fmnist.inference.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A tally folded in at once counts exactly what its predictions folded in one by one count. */
class PredictionTallyTest {

    private static final Instant T0 = Instant.parse("2026-12-06T12:00:00Z");
    private static final String V1 = "aaaaaaaaaaa1";
    private static final String SERVED_A = "bbbbbbbbbbb2";
    private static final String SERVED_B = "ccccccccccc3";

    private static PredictionRecord prediction(int n, boolean shadow, String servedVersion, int servedClass) {
        String id = String.format("%032x", n + 1);
        float[] p = new float[10];
        p[n % 10] = 1f;
        return new PredictionRecord(id, id, 0, "better", V1, shadow ? PredictionRole.SHADOW : PredictionRole.SERVED,
                n % 10, p, "classify", RequestSource.RAW, 250, T0.plusMillis(n * 7L % 1000), shadow ? servedVersion : null,
                shadow ? servedClass : null, null);
    }

    @Test
    void talliesFoldedInAtOnceEqualTheirPredictionsFoldedInOneByOne() {
        Random random = new Random(7);
        List<PredictionRecord> all = new ArrayList<>();
        for (int n = 0; n < 600; n++) {
            boolean shadow = random.nextInt(3) == 0;
            // the served version the shadow answers are compared with changes twice, within and across tallies
            String served = n < 250 ? SERVED_A : n < 420 ? SERVED_B : n < 480 ? SERVED_A : SERVED_B;
            all.add(prediction(n, shadow, served, random.nextInt(10)));
        }
        LiveStats oneByOne = LiveStats.empty("better", V1);
        for (PredictionRecord p : all) {
            oneByOne = oneByOne.withPrediction(p);
        }
        // a label between the tallies: outcomes and tallies interleave in the aggregate
        PredictionRecord labelled = all.get(3);
        FeedbackRecord label = new FeedbackRecord(labelled.predictionId(), 3, FeedbackRecord.CLIENT, null, T0);
        oneByOne = oneByOne.withOutcome(labelled, label);

        LiveStats tallied = null;
        // the last tally (300-600) goes B -> A -> B: it ends on the version the one before ended on, yet the
        // comparison restarted within it
        int[] cuts = {0, 100, 101, 300, 600};
        for (int t = 0; t + 1 < cuts.length; t++) {
            PredictionTally tally = null;
            for (PredictionRecord p : all.subList(cuts[t], cuts[t + 1])) {
                tally = tally == null ? PredictionTally.of(p) : tally.plus(p);
            }
            PredictionTally sent = PredictionTally.SERDE.deserializer().deserialize("repartition",
                    PredictionTally.SERDE.serializer().serialize("repartition", tally));
            assertThat(sent).isEqualTo(tally);
            tallied = LiveEvent.tallied(sent).applyTo(tallied);
            if (t == 1) {
                tallied = LiveEvent.labelled(labelled, label).applyTo(tallied);
            }
        }

        assertThat(tallied).isEqualTo(oneByOne);
        assertThat(tallied.comparedWith()).isEqualTo(SERVED_B);
        assertThat(tallied.compared()).as("since the last change of served version").isPositive()
                .isLessThan(tallied.shadowPredictions());
    }

    @Test
    void aForgedTallyIsRefusedNamingTheField() {
        PredictionTally good = PredictionTally.of(prediction(1, false, null, 0));
        byte[] bytes = PredictionTally.SERDE.serializer().serialize("t", good);

        assertThatThrownBy(() -> PredictionTally.SERDE.deserializer().deserialize("t", Arrays.copyOf(bytes, 9)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("tally: truncated");
        assertThatThrownBy(() -> PredictionTally.SERDE.deserializer().deserialize("t", new byte[] {9}))
                .hasMessage("tally format: expected 1, got 9");
        byte[] forged = bytes.clone();
        forged[2 + 2 + "better".length() + 2] = 'X'; // the version's first character
        assertThatThrownBy(() -> PredictionTally.SERDE.deserializer().deserialize("t", forged))
                .hasMessageStartingWith("version:");
        PredictionRecord served = prediction(2, false, null, 0);
        LiveStats labelled = LiveStats.empty("better", V1).withPrediction(served).withOutcome(served,
                new FeedbackRecord(served.predictionId(), 1, FeedbackRecord.CLIENT, null, T0));
        assertThatThrownBy(() -> new PredictionTally(labelled, false)).hasMessageStartingWith("labelled:");
        assertThatThrownBy(() -> new PredictionTally(LiveStats.empty("better", V1), true))
                .hasMessageStartingWith("restarted:");
        assertThatThrownBy(() -> LiveEvent.tallied(good).applyTo(LiveStats.empty("better", SERVED_A)))
                .hasMessageStartingWith("version:");
    }
}
