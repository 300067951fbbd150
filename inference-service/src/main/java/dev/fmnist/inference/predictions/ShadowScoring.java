package dev.fmnist.inference.predictions;

import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.predictions.PredictionMetrics.ShadowOutcome;
import dev.fmnist.inference.serving.DynamicBatcher;
import dev.fmnist.inference.serving.ModelSlot;
import io.grpc.StatusRuntimeException;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A share of the champion's answered requests scored again by the slot's SHADOW challenger, after the
 * client has its answer: the same pixels go to the challenger's own batcher, and its answers are
 * compared with the champion's (counted agreed or disagreed per image) and logged as SHADOW records
 * beside the served ones when the request was sampled. A challenger whose queue is full refuses the
 * work (counted), never the client.
 *
 * <p>Shadow work is a second forward pass on the replica's own cores, so it takes spare capacity
 * first: the challenger's share applies while the champion has no other request in flight and the
 * challenger none of its own; while either is busy only {@code fmnist.serving.shadow-share-under-load}
 * of the requests is scored (the others drawn are counted as busy). A saturated replica thus spends at
 * most that share on shadow work, and the challenger still gathers evidence under sustained load.
 * Shadow images are patient work for the challenger's batcher: in a lane of their own they wait up to
 * {@code fmnist.serving.shadow-max-delay-micros} for each other and then share one forward pass.
 */
@ApplicationScoped
public class ShadowScoring {

    private static final String UNDER_LOAD_KEY = "fmnist.serving.shadow-share-under-load";
    private static final String MAX_DELAY_KEY = "fmnist.serving.shadow-max-delay-micros";

    @Inject
    PredictionLog log;

    @Inject
    PredictionMetrics metrics;

    @Inject
    InferenceConfig config;

    private double underLoad;
    private long maxDelayMicros;

    @PostConstruct
    void settings() {
        underLoad = PredictionLog.rate(UNDER_LOAD_KEY, config.serving().shadowShareUnderLoad());
        maxDelayMicros = InferenceConfig.within(MAX_DELAY_KEY, config.serving().shadowMaxDelayMicros(), 0,
                DynamicBatcher.MAX_PATIENCE_MICROS);
    }

    /** Made at start, so a setting out of range stops the service there rather than at the first shadowed request. */
    void start(@Observes StartupEvent start) {
        // observing the event is what makes the bean at start
    }

    /** Scores {@code answered} in shadow if its slot has a SHADOW challenger and the draw falls in its share. */
    void score(ServedRequests.Answered answered, String servedVersion, int[] servedClasses, PredictionLog.Sample sample) {
        ModelSlot.Challenger challenger = answered.slot().challenger().orElse(null);
        if (challenger == null || challenger.mode() != ChallengerMode.SHADOW) {
            return;
        }
        double draw = ThreadLocalRandom.current().nextDouble();
        if (draw >= challenger.share()) {
            return;
        }
        String model = answered.slot().name();
        int images = servedClasses.length;
        // shadow images still gathering company in the challenger's queue are not load: only its passes are
        boolean busy = answered.slot().batcher().busy() || challenger.batcher().busy();
        // one draw for both shares: under load the requests scored are a subset of those the share picks
        if (busy && draw >= underLoad) {
            metrics.shadow(model, ShadowOutcome.BUSY, images);
            return;
        }
        CompletableFuture<DynamicBatcher.Result> scored;
        try {
            scored = challenger.batcher().submitPatient(answered.pixels(), images, maxDelayMicros);
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
