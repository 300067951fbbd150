package dev.fmnist.contract.predictions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PredictionIdsTest {

    @Test
    void requestIdsAre32HexDigitsAndDoNotRepeat() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = PredictionIds.newRequestId();
            assertThat(id).matches("[0-9a-f]{32}");
            assertThat(PredictionIds.requireRequestId(id, "requestId")).isEqualTo(id);
            seen.add(id);
        }
        assertThat(seen).hasSize(10_000);
    }

    @Test
    void aOneImageRequestsPredictionIsTheRequestAndSeveralAreNumbered() {
        String request = PredictionIds.newRequestId();
        assertThat(PredictionIds.predictionId(request, 0, 1)).isEqualTo(request);
        assertThat(PredictionIds.predictionId(request, 0, 3)).isEqualTo(request + ".0");
        assertThat(PredictionIds.predictionId(request, 2, 3)).isEqualTo(request + ".2");
        assertThat(PredictionIds.predictionId(request, 9999, 10_000)).isEqualTo(request + ".9999");
        assertThat(PredictionIds.requestIdOf(request + ".2")).isEqualTo(request);
        assertThat(PredictionIds.requestIdOf(request)).isEqualTo(request);
        for (String valid : new String[] {request, request + ".0", request + ".17", request + ".9999"}) {
            assertThat(PredictionIds.requireValid(valid, "predictionId")).isEqualTo(valid);
        }
    }

    @Test
    void malformedIdsAreRefusedNamingTheField() {
        String request = Samples.REQUEST;
        assertThatThrownBy(() -> PredictionIds.predictionId(request, 3, 3)).hasMessageStartingWith("index: ");
        assertThatThrownBy(() -> PredictionIds.predictionId(request, -1, 3)).hasMessageStartingWith("index: ");
        assertThatThrownBy(() -> PredictionIds.predictionId(request, 0, 0)).hasMessageStartingWith("count: ");
        assertThatThrownBy(() -> PredictionIds.predictionId(request, 0, 10_001)).hasMessageStartingWith("count: ");
        assertThatThrownBy(() -> PredictionIds.predictionId("x", 0, 1)).hasMessageStartingWith("requestId: ");
        for (String bad : new String[] {"", request.toUpperCase(), request.substring(1), request + "0", request + ".",
                request + ".01", request + ".10000", request + ".-1", request + ".1.2", " " + request,
                "g".repeat(32), "x".repeat(100_000)}) {
            assertThatThrownBy(() -> PredictionIds.requireValid(bad, "feedback.predictionId")).as(bad.length() > 50
                    ? "long" : bad).hasMessageStartingWith("feedback.predictionId: expected a prediction id")
                    .hasMessageNotContaining("x".repeat(100));
        }
        assertThatThrownBy(() -> PredictionIds.requireValid(null, "predictionId")).hasMessage("predictionId: required");
        assertThatThrownBy(() -> PredictionIds.requireRequestId(request + ".1", "requestId"))
                .hasMessageStartingWith("requestId: expected a request id");
    }

    /** The ids' grammar as a regular expression: the checks are written out by hand, and held to it here. */
    @Test
    void theCheckedGrammarIsTheRegularExpressionOfTheIds() {
        Pattern requestIds = Pattern.compile("[0-9a-f]{32}");
        Pattern predictionIds = Pattern.compile("[0-9a-f]{32}(\\.(0|[1-9][0-9]{0,3}))?");
        String alphabet = ".0123456789abcdefAg-"; // the first 11: what an index is made of, and a dot
        Random random = new Random(27);
        String request = PredictionIds.newRequestId();
        int valid = 0;
        int indexed = 0;
        for (int n = 0; n < 200_000; n++) {
            // mostly near-ids: a real request id with a tail, or with one character changed
            StringBuilder id = new StringBuilder(request.substring(0, 32 - random.nextInt(3)));
            if (random.nextInt(4) == 0) {
                id.setCharAt(random.nextInt(id.length()), alphabet.charAt(random.nextInt(alphabet.length())));
            }
            for (int tail = random.nextInt(7); tail > 0; tail--) {
                id.append(alphabet.charAt(random.nextInt(random.nextBoolean() ? 11 : alphabet.length())));
            }
            String text = id.toString();
            boolean isPrediction = predictionIds.matcher(text).matches();
            valid += isPrediction ? 1 : 0;
            indexed += isPrediction && text.length() > 32 ? 1 : 0;
            assertThat(accepts(() -> PredictionIds.requireValid(text, "predictionId"))).as(text).isEqualTo(isPrediction);
            assertThat(accepts(() -> PredictionIds.requireRequestId(text, "requestId"))).as(text)
                    .isEqualTo(requestIds.matcher(text).matches());
        }
        assertThat(valid).as("valid ids among those drawn").isGreaterThan(1_000);
        assertThat(indexed).as("valid ids with an index among those drawn").isGreaterThan(1_000);
    }

    private static boolean accepts(Runnable check) {
        try {
            check.run();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
