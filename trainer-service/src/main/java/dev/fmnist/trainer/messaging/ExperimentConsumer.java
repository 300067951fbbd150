package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Rejected;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestRejectedException;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.trainer.config.TrainerConfig;
import dev.fmnist.trainer.coordination.Claim;
import dev.fmnist.trainer.coordination.ExperimentStates;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import dev.fmnist.trainer.training.ExperimentRunner;
import dev.fmnist.trainer.training.ExtraDataFolders;
import dev.fmnist.trainer.training.SweepCoordinator;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Takes requests from {@code fmnist.experiments}, one at a time, and acks each only once it is done
 * with it, so its offset is committed only then (at-least-once). Exactly once across the trainer
 * group comes from the experiment state ({@link ExperimentStates}): a request is worked on only by
 * the trainer whose claim on its experiment holds, whatever Kafka key or partition it came by; a
 * request for an experiment that ended is a duplicate and is skipped, one held by another trainer
 * whose lease is live (by this trainer's own clock) is parked un-acked ({@link ParkedRequests}) and the
 * next request is taken at once: nothing waits behind it.
 *
 * <p>Why a 30-minute run does not get this consumer thrown out of its group: training runs on a
 * worker thread (@Blocking), never on the connector's polling thread. While the one in-flight record
 * is unacked the connector has no demand, so it pauses the partitions and keeps calling poll(),
 * which keeps the member alive in the group (max.poll.interval.ms is about poll() calls, not about
 * acks); it resumes when the run is acked.
 */
@ApplicationScoped
public class ExperimentConsumer {

    private static final Logger LOG = Logger.getLogger(ExperimentConsumer.class);
    private static final Duration HELD_ELSEWHERE_RECHECK = Duration.ofSeconds(1);

    private final RequestParser parser = new RequestParser();

    @Inject
    ExperimentRunner runner;

    @Inject
    TrainerConfig config;

    @Inject
    ExperimentStates states;

    @Inject
    SweepCoordinator sweeps;

    @Inject
    EventPublisher events;

    @Inject
    DeadLetterPublisher deadLetters;

    @Inject
    TrainerMetrics metrics;

    @Inject
    ParkedRequests parked;

    @Incoming("experiments")
    @Blocking // ordered: one request after another
    public CompletionStage<Void> consume(Message<byte[]> message) {
        try {
            states.awaitReady();
            if (!handle(message)) {
                // parked: done with for now, but not acked; ParkedRequests acks it later
                return CompletableFuture.completedFuture(null);
            }
            return message.ack();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return message.nack(e);
        } catch (RuntimeException e) {
            // an event or state could not be written: the nack stops the channel (failure-strategy=fail)
            // with the offset uncommitted, so the request is redelivered after a restart rather than lost
            LOG.errorf(e, "request not processed; stopping intake so it is redelivered after a restart");
            return message.nack(e);
        }
    }

    /** False when the request was parked (not to be acked now). */
    private boolean handle(Message<byte[]> message) throws InterruptedException {
        IncomingKafkaRecordMetadata<?, ?> kafka = message.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
        String source = kafka.getTopic() + "-" + kafka.getPartition() + "@" + kafka.getOffset();
        ExperimentRequest request;
        String parentId;
        try {
            ExperimentRequest body = parser.parse(message.getPayload());
            ExtraDataFolders.require(body, Path.of(config.trainer().extraDataRoot()));
            Header child = kafka.getHeaders().lastHeader(Headers.SWEEP_CHILD);
            if (child == null) {
                request = body;
                parentId = null;
            } else {
                if (RequestParser.readableId(message.getPayload()).isEmpty()) {
                    throw new RequestRejectedException("header " + Headers.SWEEP_CHILD,
                            "names a sweep child, but the body does not name its sweep's experimentId");
                }
                request = body.children().get(childIndex(body, child));
                parentId = body.experimentId();
            }
        } catch (RequestRejectedException e) {
            reject(message, kafka, source, e);
            return true;
        }
        String sweepToComplete = request.isSweep() ? request.experimentId() : parentId;
        Acquired acquired = acquire(request.experimentId(), message, source, sweepToComplete);
        if (acquired.parked()) {
            return false;
        }
        Optional<Claim> claim = acquired.claim();
        if (claim.isEmpty()) {
            sweeps.completeIfLast(sweepToComplete);
            return true;
        }
        boolean takenOver = false;
        try (Claim held = claim.get()) {
            if (held.state().queuedAt() == null) {
                held.record(Queued.of(request.experimentId(), Subject.of(request, parentId)), events::publish);
            }
            if (request.isSweep()) {
                sweeps.fanOut(held, request, message.getPayload());
            } else {
                runner.run(request, parentId, held);
                if (held.isLost() && held.foreignEnd().isEmpty() && !ended(request.experimentId())) {
                    // taken over: the new holder ends it; should it never (a forged claim that never
                    // beats), its lease lapses and the request must bring the run back: never acked here
                    if (parked.park(message, request.experimentId(), sweepToComplete)) {
                        LOG.infof("request %s: experiment %s was taken over; its request parked until it ends",
                                source, request.experimentId());
                        return false;
                    }
                    LOG.warnf("request %s: experiment %s was taken over and the parked set is full (%d); "
                            + "waiting here until it ends or its lease lapses", source, request.experimentId(),
                            parked.size());
                    metrics.parkedOverflow();
                    takenOver = true;
                }
            }
        }
        if (takenOver) {
            return handle(message); // the same path again: a duplicate once it ended, claimed once it lapsed
        }
        sweeps.completeIfLast(sweepToComplete);
        return true;
    }

    private boolean ended(String id) {
        return states.get(id).map(ExperimentState::isEnded).orElse(false);
    }

    /** The 0-based child a fanned-out record names, checked against the sweep in its body. */
    private static int childIndex(ExperimentRequest body, Header header) {
        String field = "header " + Headers.SWEEP_CHILD;
        if (!body.isSweep()) {
            throw new RequestRejectedException(field, "names a sweep child, but the body is not a sweep");
        }
        String text = header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
        int size = body.sweep().size();
        try {
            int index = Integer.parseInt(text);
            if (index >= 0 && index < size) {
                return index;
            }
        } catch (NumberFormatException e) {
            // refused below, naming the header
        }
        throw new RequestRejectedException(field, "must be a child index 0-" + (size - 1) + ", got \"" + text + "\"");
    }

    /** What acquiring an experiment came to: this trainer's claim, a duplicate (no claim), or the request parked. */
    private record Acquired(Optional<Claim> claim, boolean parked) {
        static final Acquired DUPLICATE = new Acquired(Optional.empty(), false);
        static final Acquired PARKED = new Acquired(Optional.empty(), true);
    }

    /**
     * This trainer's claim on the experiment, once it holds it; an empty claim when the experiment
     * ended or is a fanned-out sweep (the request is then a duplicate); empty when the request was
     * parked because another trainer holds the experiment with a live lease. Waits instead only when
     * the parked set is full.
     */
    private Acquired acquire(String id, Message<byte[]> message, String source,
            String sweepToComplete) throws InterruptedException {
        boolean said = false;
        while (true) {
            Optional<ExperimentState> known = states.get(id);
            if (known.isPresent() && (known.get().isEnded() || known.get().isFannedOut())) {
                LOG.infof("experiment %s already %s; not taking it again", id,
                        known.get().isEnded() ? "ended (" + known.get().status() + ")" : "fanned out to its children");
                metrics.duplicateSkipped();
                return Acquired.DUPLICATE;
            }
            if (known.isPresent() && states.heldLive(known.get())) {
                if (parked.park(message, id, sweepToComplete)) {
                    LOG.infof("request %s: experiment %s is held by %s (attempt %d); parked, taking the next request",
                            source, id, known.get().worker(), known.get().attempt());
                    return Acquired.PARKED;
                }
                if (!said) {
                    LOG.warnf("request %s: experiment %s is held by %s and the parked set is full (%d); waiting "
                            + "until it ends or its lease lapses", source, id, known.get().worker(), parked.size());
                    metrics.parkedOverflow();
                    said = true;
                }
                Thread.sleep(HELD_ELSEWHERE_RECHECK.toMillis());
                continue;
            }
            Optional<Claim> claim = states.tryClaim(known.orElse(ExperimentState.of(id)), runner.worker());
            if (claim.isPresent()) {
                return new Acquired(claim, false);
            }
        }
    }

    /** Dead-letters the body, and ends the experiment REJECTED unless it is one the group already knows. */
    private void reject(Message<byte[]> message, IncomingKafkaRecordMetadata<?, ?> kafka, String source,
            RequestRejectedException e) {
        // under the id its sender follows: the body's when it can be read, else the key
        String id = RequestParser.readableId(message.getPayload())
                .orElse(kafka.getKey() != null ? kafka.getKey().toString() : "rejected-" + source);
        deadLetters.publish(id, message.getPayload(), e.field(), e.rule(), source);
        Optional<ExperimentState> known = states.get(id);
        Optional<Claim> claim = known.isPresent() ? Optional.empty() : states.tryClaim(ExperimentState.of(id), runner.worker());
        if (claim.isEmpty()) {
            // a known experiment keeps its own course: no second end, but nothing is dropped unseen
            LOG.warnf("request %s refused (%s: %s) for experiment %s, which is already known%s; dead-lettered, no event",
                    source, e.field(), e.rule(), id, known.map(s -> " (" + s.status() + ")").orElse(""));
            metrics.duplicateSkipped();
            return;
        }
        try (Claim held = claim.get()) {
            runner.end(held, Rejected.of(id, e.field(), e.rule()));
        }
    }
}
