package dev.fmnist.inference.predictions;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import java.time.Instant;

/**
 * One answered request as the log keeps it until its drainer writes it: what the request path already
 * has, held by reference (nothing copied, nothing formatted there). The drainer makes one
 * {@link PredictionRecord} per image ({@link #record}).
 *
 * @param sources each image's form
 * @param probabilities each image's row
 * @param classes each image's predicted class
 * @param pixels the request's scaled pixels (784 per image) when capture is on, else null
 * @param servedVersion SHADOW only: the champion's version, else null
 * @param servedClasses SHADOW only: the champion's classes, else null
 */
record Answer(String requestId, String model, String version, PredictionRole role, String api,
        RequestSource[] sources, long latencyMicros, Instant at, float[][] probabilities, int[] classes,
        float[] pixels, String servedVersion, int[] servedClasses) implements PredictionBuffer.Entry {

    @Override
    public int size() {
        return probabilities.length;
    }

    @Override
    public PredictionRecord record(int image) {
        byte[] levels = null;
        if (pixels != null) {
            levels = new byte[FashionMnist.PIXELS];
            int offset = image * FashionMnist.PIXELS;
            for (int i = 0; i < levels.length; i++) {
                levels[i] = (byte) Math.round(pixels[offset + i] * Pixels.MAX_LEVEL);
            }
        }
        return new PredictionRecord(PredictionIds.predictionId(requestId, image, size()), requestId, image, model,
                version, role, classes[image], probabilities[image], api, sources[image], latencyMicros, at,
                servedVersion, servedClasses == null ? null : servedClasses[image], levels);
    }
}
