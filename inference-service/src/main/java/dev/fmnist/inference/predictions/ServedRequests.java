package dev.fmnist.inference.predictions;

import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.inference.serving.DynamicBatcher;
import dev.fmnist.inference.serving.ModelSlot;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * What follows an answered request, once its answer has gone to the client: its images on the
 * prediction log (when the request is sampled), and, when the champion answered and the model has a
 * challenger in shadow, the same images scored by the challenger ({@link ShadowScoring}). Every front
 * end (fmnist.v1, Open Inference over gRPC and REST) hands its answers here.
 */
@ApplicationScoped
public class ServedRequests {

    private static final Logger LOG = Logger.getLogger(ServedRequests.class);

    @Inject
    PredictionLog log;

    @Inject
    ShadowScoring shadow;

    /** One answered request, as a front end knows it. */
    public record Answered(ModelSlot slot, PredictionRole role, String requestId, String api,
            RequestSource[] sources, long arrivedNanos, float[] pixels, DynamicBatcher.Result result) {}

    /**
     * {@code computed}'s result made a response by {@code respond}; once the response has been handed
     * on (to the client's call, or the next stage of a stream), {@code afterwards} runs with the result,
     * on the same thread, so nothing it does delays or fails the answer.
     */
    public static <R, T> Uni<T> respond(Uni<R> computed, Function<R, T> respond, Consumer<R> afterwards) {
        return Uni.createFrom().emitter(emitter -> {
            Cancellable upstream = computed.subscribe().with(result -> {
                T response;
                try {
                    response = respond.apply(result);
                } catch (RuntimeException e) {
                    emitter.fail(e);
                    return;
                }
                emitter.complete(response);
                try {
                    afterwards.accept(result);
                } catch (RuntimeException e) {
                    LOG.warn("after an answer: " + e, e); // the answer is out; its record or shadow is lost
                }
            }, emitter::fail);
            emitter.onTermination(upstream::cancel);
        });
    }

    /** The prediction ids of a request's {@code count} images. */
    public static String[] predictionIds(String requestId, int count) {
        String[] ids = new String[count];
        if (count <= PredictionIds.MAX_IMAGES) {
            for (int i = 0; i < count; i++) {
                ids[i] = PredictionIds.predictionId(requestId, i, count);
            }
        } else { // more than prediction ids can number (fmnist.serving.max-batch above it): answered, not logged
            java.util.Arrays.fill(ids, "");
        }
        return ids;
    }

    /** The index of each row's highest probability (the first of equals). */
    public static int[] classes(float[][] probabilities) {
        int[] classes = new int[probabilities.length];
        for (int r = 0; r < probabilities.length; r++) {
            float[] row = probabilities[r];
            int best = 0;
            for (int c = 1; c < row.length; c++) {
                if (row[c] > row[best]) {
                    best = c;
                }
            }
            classes[r] = best;
        }
        return classes;
    }

    /** {@code answered}'s images logged if its request is sampled; the shadow scoring started if the champion answered. */
    public void answered(Answered answered) {
        if (answered.result().probabilities().length > PredictionIds.MAX_IMAGES) {
            return;
        }
        ModelSlot slot = answered.slot();
        PredictionLog.Sample sample = log.sample(slot.name());
        int[] classes = classes(answered.result().probabilities());
        String version = answered.result().model().version();
        if (sample != PredictionLog.Sample.SKIP) {
            log.answered(new Answer(answered.requestId(), slot.name(), version, answered.role(), answered.api(),
                    answered.sources(), micros(answered.arrivedNanos()), Instant.now(),
                    answered.result().probabilities(), classes,
                    sample == PredictionLog.Sample.CAPTURE ? answered.pixels() : null, null, null));
        }
        if (answered.role() == PredictionRole.SERVED) {
            shadow.score(answered, version, classes, sample);
        }
    }

    static long micros(long sinceNanos) {
        return Math.max(0, TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - sinceNanos));
    }
}
