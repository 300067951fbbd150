package dev.fmnist.contract.predictions;

import dev.fmnist.contract.data.FashionMnist;
import java.time.Instant;

/** Records as the inference service writes them, for the contract's tests. */
final class Samples {

    static final String REQUEST = "0123456789abcdef0123456789abcdef";
    static final String CHAMPION = "7daa286411a7";
    static final String CHALLENGER = "5e8d0154c40a";
    static final Instant AT = Instant.parse("2026-12-06T14:00:00.123456Z");

    private Samples() {}

    /** Probabilities with {@code top} the most probable, summing to 1 in float. */
    static float[] probabilities(int top) {
        float[] p = new float[FashionMnist.CLASSES];
        java.util.Arrays.fill(p, 0.02f);
        p[top] = 1f - 0.02f * (FashionMnist.CLASSES - 1);
        return p;
    }

    static PredictionRecord served(String predictionId, int index, int classIndex) {
        return new PredictionRecord(predictionId, REQUEST, index, "better", CHAMPION, PredictionRole.SERVED,
                classIndex, probabilities(classIndex), "classify", RequestSource.RAW, 1234, AT, null, null, null);
    }

    static PredictionRecord served(int classIndex) {
        return served(REQUEST, 0, classIndex);
    }

    static PredictionRecord shadow(int classIndex, int servedClassIndex) {
        return new PredictionRecord(REQUEST, REQUEST, 0, "better", CHALLENGER, PredictionRole.SHADOW, classIndex,
                probabilities(classIndex), "oip-rest", RequestSource.ENCODED, 2345, AT.plusSeconds(1), CHAMPION,
                servedClassIndex, null);
    }

    static byte[] pixels() {
        byte[] pixels = new byte[FashionMnist.PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 7);
        }
        return pixels;
    }

    static PredictionRecord withPixels() {
        return new PredictionRecord(REQUEST + ".3", REQUEST, 3, "compare-k3", CHAMPION, PredictionRole.CANARY, 9,
                new float[] {0.1f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.5f}, "oip-grpc",
                RequestSource.FLOAT, 0, AT, null, null, pixels());
    }
}
