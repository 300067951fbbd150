package dev.fmnist.inference.predictions;

import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.inference.predictions.PredictionMetrics.ShadowOutcome;
import dev.fmnist.inference.serving.DynamicBatcher;
import dev.fmnist.inference.serving.ModelSlot;
import io.grpc.StatusRuntimeException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A share of the champion's answered requests scored again by the slot's SHADOW challenger, after the
 * client has its answer: the same pixels go to the challenger's own batcher, and its answers are
 * compared with the champion's (counted agreed or disagreed per image) and logged as SHADOW records
 * beside the served ones when the request was sampled. A challenger whose queue is full refuses the
 * work (counted), never the client. Shadow work takes spare capacity only: while the champion has
 * requests waiting (or the challenger is still busy with earlier shadow work) a drawn request is
 * skipped and counted as busy, so a saturated replica gives every core to its clients and the
 * challenger is scored on the quieter moments' traffic. The busy count says how much was skipped.
 */
@ApplicationScoped
public class ShadowScoring {

    @Inject
    PredictionLog log;

    @Inject
    PredictionMetrics metrics;

    /** Scores {@code answered} in shadow if its slot has a SHADOW challenger and the draw falls in its share. */
    void score(ServedRequests.Answered answered, String servedVersion, int[] servedClasses, PredictionLog.Sample sample) {
        ModelSlot.Challenger challenger = answered.slot().challenger().orElse(null);
        if (challenger == null || challenger.mode() != ChallengerMode.SHADOW
                || ThreadLocalRandom.current().nextDouble() >= challenger.share()) {
            return;
        }
        String model = answered.slot().name();
        int images = servedClasses.length;
        if (answered.slot().batcher().queued() > 0 || challenger.batcher().queued() > 0) {
            metrics.shadow(model, ShadowOutcome.BUSY, images);
            return;
        }
        CompletableFuture<DynamicBatcher.Result> scored;
        try {
            scored = challenger.batcher().submit(answered.pixels(), images);
        } catch (StatusRuntimeException e) { // its queue is full, or it is being retired
            metrics.shadow(model, ShadowOutcome.REFUSED, images);
            return;
        }
        scored.whenComplete((result, failure) -> {
            if (failure != null) {
                metrics.shadow(model, ShadowOutcome.REFUSED, images);
                return;
            }
            String version = result.model().version();
            if (version.equals(servedVersion)) {
                return; // promoted between the two answers: the champion answered twice, there is no pair to compare
            }
            int[] classes = ServedRequests.classes(result.probabilities());
            int agreed = 0;
            for (int i = 0; i < images; i++) {
                if (classes[i] == servedClasses[i]) {
                    agreed++;
                }
            }
            metrics.shadow(model, ShadowOutcome.AGREED, agreed);
            metrics.shadow(model, ShadowOutcome.DISAGREED, images - agreed);
            if (sample != PredictionLog.Sample.SKIP) {
                log.answered(new Answer(answered.requestId(), model, version, PredictionRole.SHADOW, answered.api(),
                        answered.sources(), ServedRequests.micros(answered.arrivedNanos()), Instant.now(),
                        result.probabilities(), classes, sample == PredictionLog.Sample.CAPTURE ? answered.pixels()
                                : null, servedVersion, servedClasses));
            }
        });
    }
}
