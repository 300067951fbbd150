package dev.fmnist.trainer.training;

import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.SweepSummary;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.engine.sweeps.SweepOutcome;
import dev.fmnist.trainer.coordination.Claim;
import dev.fmnist.trainer.coordination.ExperimentStates;
import dev.fmnist.trainer.messaging.EventPublisher;
import dev.fmnist.trainer.messaging.Records;
import dev.fmnist.trainer.messaging.ReportPublisher;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/**
 * Sweeps across the trainer group: the trainer that takes a sweep queues each child as a request of
 * its own (any trainer may take it), and the trainer that ends the last child writes the plot, the
 * summary and the sweep's end, once: it must win the sweep's claim to do so.
 */
@ApplicationScoped
public class SweepCoordinator {

    private static final Logger LOG = Logger.getLogger(SweepCoordinator.class);

    @Inject
    ExperimentStates states;

    @Inject
    ExperimentRunner runner;

    @Inject
    EventPublisher events;

    @Inject
    ReportPublisher reports;

    @Inject
    @Channel("sweep-children")
    MutinyEmitter<byte[]> children;

    /**
     * Queues the sweep's children on the requests topic, keyed by their own ids, each carrying the
     * sweep's body (with its id) and its index; then lets the sweep's claim go. Child i goes to the
     * partition after child i-1's, so with the group's round-robin assignment consecutive children go
     * to different trainers: hashing their keys put 4 of 6 on one trainer of 3. With
     * {@code parallelTrials} P, children go to P partitions in turn, so at most P train at once and
     * the others queue behind them in order (P = 1: one after another, as a sequential search needs).
     */
    public void fanOut(Claim sweep, ExperimentRequest request, byte[] body) {
        byte[] sweepBody = RequestParser.withId(body, request.experimentId());
        List<ExperimentRequest> childRequests = request.children();
        int partitions = states.partitionCount(Topic.EXPERIMENTS);
        int first = Math.floorMod(request.experimentId().hashCode(), partitions); // the same on a redelivery
        Integer parallel = request.sweep().parallelTrials();
        int lanes = parallel == null ? childRequests.size() : Math.min(parallel, childRequests.size());
        for (int i = 0; i < childRequests.size(); i++) {
            ExperimentRequest child = childRequests.get(i);
            if (states.get(child.experimentId()).isEmpty()) {
                Queued queued = Queued.of(child.experimentId(), Subject.of(child, request.experimentId()));
                events.publish(queued);
                states.write(ExperimentState.of(child.experimentId()).next(queued));
            }
            Records.send(children, child.experimentId(), (first + i % lanes) % partitions, sweepBody,
                    Map.of(Headers.SWEEP_CHILD, Integer.toString(i)));
        }
        sweep.record(Running.of(request.experimentId(), Subject.of(request, null), Running.SWEEP_DEVICE, runner.worker()),
                events::publish);
        sweep.fanOut();
        LOG.infof("sweep %s: %d children queued for the trainer group", request.experimentId(), childRequests.size());
    }

    /**
     * Ends the sweep if every child has ended and nobody did yet. Called after a child ends (and for a
     * duplicate, so a trainer that died between a last child's end and the summary is made up for).
     */
    public void completeIfLast(String sweepId) {
        if (sweepId == null) {
            return;
        }
        states.catchUp(); // of two trainers ending the last two children at once, at least one sees both
        Optional<ExperimentState> sweep = states.get(sweepId).filter(s -> !s.isEnded() && s.isFannedOut());
        Optional<SweepOutcome> ended = sweep.flatMap(s -> SweepOutcome.of(s, states::get));
        if (ended.isEmpty()) {
            return;
        }
        Optional<Claim> claim = states.tryClaim(sweep.get(), runner.worker());
        if (claim.isEmpty()) {
            return; // another trainer is summing it up
        }
        try (Claim held = claim.get()) {
            ExperimentState state = held.state();
            SweepOutcome outcome = ended.get(); // ended children do not change
            String reportKey = reports.publishSweepPlot(sweepId, state.sweep(), outcome.rows());
            Subject subject = Subject.of(state);
            // the summary and the end in one transaction: one of each per sweep, whoever else tries
            runner.end(held, List.of(SweepSummary.of(sweepId, subject, outcome.rows(), reportKey),
                    outcome.end(sweepId, subject)), List.of());
        }
    }
}
