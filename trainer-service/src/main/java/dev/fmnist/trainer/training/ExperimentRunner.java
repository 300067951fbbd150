package dev.fmnist.trainer.training;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.experiments.EventMetrics;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Cancelled;
import dev.fmnist.contract.experiments.ExperimentEvent.Epoch;
import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Rejected;
import dev.fmnist.contract.experiments.ExperimentEvent.Resumed;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.RequestRejectedException;
import dev.fmnist.contract.experiments.Sweep;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.sweeps.MedianStoppingRule;
import dev.fmnist.engine.training.CheckpointMismatchException;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingCancelledException;
import dev.fmnist.engine.training.TrainingCheckpoint;
import dev.fmnist.engine.training.TrainingObserver;
import dev.fmnist.engine.training.TrainingResult;
import dev.fmnist.trainer.artefacts.ArtefactPublisher;
import dev.fmnist.trainer.checkpoints.Checkpoints;
import dev.fmnist.trainer.config.TrainerConfig;
import dev.fmnist.trainer.coordination.Claim;
import dev.fmnist.trainer.coordination.ExperimentStates;
import dev.fmnist.trainer.data.DatasetHolder;
import dev.fmnist.trainer.messaging.EventPublisher;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Trains one experiment that this trainer holds ({@link Claim}) and publishes its lifecycle: RUNNING,
 * one EPOCH per epoch, then exactly one terminal event, after the artefact when it succeeded. A run
 * with a checkpoint ({@link Checkpoints}) continues from it, with RESUMED after RUNNING; it writes
 * checkpoints as it trains, and they are deleted when it ends. A run
 * whose claim was taken over (its lease lapsed) publishes neither.
 */
@ApplicationScoped
public class ExperimentRunner {

    private static final Logger LOG = Logger.getLogger(ExperimentRunner.class);
    private static final long NANOS_PER_MS = 1_000_000;
    private static final double NANOS_PER_SECOND = 1e9;

    @Inject
    ComputeEngine engine;

    @Inject
    DatasetHolder dataset;

    @Inject
    EventPublisher events;

    @Inject
    ArtefactPublisher artefacts;

    @Inject
    CancellationRegistry cancellations;

    @Inject
    TrainerMetrics metrics;

    @Inject
    TrainerConfig config;

    @Inject
    ExperimentStates states;

    @Inject
    Checkpoints checkpoints;

    private String worker;

    /** The configured name, or host and pid: two trainers on one machine must not look the same. */
    @PostConstruct
    void name() {
        worker = config.trainer().worker().filter(w -> !w.isBlank()).orElseGet(() -> {
            String host = System.getenv("HOSTNAME");
            if (host == null || host.isBlank()) {
                try {
                    host = InetAddress.getLocalHost().getHostName();
                } catch (UnknownHostException e) {
                    host = "trainer";
                }
            }
            return host + "-" + ProcessHandle.current().pid();
        });
    }

    public String worker() {
        return worker;
    }

    /**
     * Runs to a terminal event, which it publishes; never throws for a training failure. Ends without
     * an event when the claim was taken over, since the new holder ends the experiment.
     */
    public void run(ExperimentRequest request, String parentId, Claim claim) {
        String id = request.experimentId();
        Subject subject = Subject.of(request, parentId);
        if (cancellations.isCancelled(id, parentId)) {
            end(claim, Cancelled.of(id, subject, "cancelled before it started"));
            return;
        }
        Observer observer = new Observer(request, parentId, claim);
        try {
            // checked on arrival too; again now, since a link in the folder may have moved while the request waited
            ExtraDataFolders.require(request, Path.of(config.trainer().extraDataRoot()));
            // a run taken over, or trained again after a restart, continues from its last checkpoint
            TrainingCheckpoint resumeFrom = checkpoints.resumable(request).orElse(null);
            TrainingResult result;
            try {
                result = new FashionMnistTrainer(engine).train(request.network(), request.hyperParameters(),
                        dataset.data(), observer, resumeFrom);
            } catch (CheckpointMismatchException e) { // thrown before anything trained or was published
                checkpoints.refusedByEngine(id, e);
                result = new FashionMnistTrainer(engine).train(request.network(), request.hyperParameters(),
                        dataset.data(), observer, null);
            }
            if (!claim.confirm()) { // before the artefact is encoded: a holder that lost the run says so now
                lost(claim, subject, "trained, but not publishing it");
                return;
            }
            ModelArtefact artefact = ArtefactModels.of(result, id, Instant.now());
            end(claim, List.of(Succeeded.of(id, subject, artefact.manifest().version(),
                    EventMetrics.of(result.publishedMetrics()), result.stopReason())), // the artefact's own figures
                    List.of(artefacts.record(artefact)));
        } catch (TrainingCancelledException e) {
            if (claim.isLost()) {
                lost(claim, subject, "stopped");
                return;
            }
            end(claim, Cancelled.of(id, subject, e.getMessage()));
        } catch (RequestRejectedException e) { // extraData no longer passes its checks: the request's fault
            LOG.warnf("experiment %s failed: %s", id, e.getMessage());
            end(claim, Failed.of(id, subject, e.getMessage()));
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.errorf(e, "experiment %s failed", id);
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            end(claim, Failed.of(id, subject, reason));
        } finally {
            metrics.trainingEnded();
        }
    }

    /** Publishes a terminal event and the state that says so, in one transaction, if the claim still holds. */
    public void end(Claim claim, Terminal terminal) {
        end(claim, List.of(terminal), List.of());
    }

    /**
     * Publishes {@code with} (an artefact), {@code events} (closing with the terminal event) and the end
     * state, in one transaction, if the claim still holds ({@link Claim#end}).
     */
    public void end(Claim claim, List<ExperimentEvent> endEvents, List<ProducerRecord<String, byte[]>> with) {
        Terminal terminal = (Terminal) endEvents.get(endEvents.size() - 1);
        if (!claim.end(endEvents, events::record, with)) {
            lost(claim, terminal.subject(), "not ending it " + terminal.type());
            return;
        }
        metrics.experimentEnded(terminal);
        // a sweep trains nothing, and a rejected request never trained: no checkpoint to look for
        boolean trained = (terminal.subject().sweep() == null || terminal.subject().parentId() != null)
                && !(terminal instanceof Rejected);
        if (trained) {
            checkpoints.delete(terminal.experimentId());
        }
        LOG.infof("experiment %s %s%s", terminal.experimentId(), terminal.type(),
                terminal.reason() == null ? "" : ": " + terminal.reason());
    }

    /**
     * The claim was lost. Taken over by a higher attempt: silent, the new holder ends the experiment.
     * Ended by a record its holder did not write: nobody else will say it ended, so this holder
     * publishes a FAILED event that says so (and no artefact); the state topic already holds an end.
     */
    private void lost(Claim claim, Subject subject, String what) {
        String id = claim.state().experimentId();
        Optional<ExperimentState> forged = claim.foreignEnd();
        if (forged.isEmpty()) {
            LOG.warnf("experiment %s: %s, another trainer took it over", id, what);
            return;
        }
        ExperimentState end = forged.get();
        Failed failed = Failed.of(id, subject, "stopped by an end record on "
                + Topic.EXPERIMENT_STATE.name(config.kafka().topicPrefix()) + " that its holder did not write (status "
                + end.status() + ", worker " + end.worker() + ", attempt " + end.attempt() + ")");
        boolean published;
        try {
            published = claim.publishFenced(List.of(events.record(failed)));
        } catch (RuntimeException e) { // the state topic already says it ended: nothing to retry into
            LOG.warnf("experiment %s: %s; %s; the event saying so not written: %s", id, what, failed.reason(),
                    e.getMessage());
            return;
        }
        if (!published) {
            LOG.warnf("experiment %s: %s; %s; the event saying so fenced off by another trainer's fence", id, what,
                    failed.reason());
            return;
        }
        metrics.experimentEnded(failed);
        checkpoints.delete(id); // the experiment ended: nobody resumes it
        LOG.warnf("experiment %s: %s; %s", id, what, failed.reason());
    }

    /** Turns training progress into events and metrics, and relays cancels. */
    private final class Observer implements TrainingObserver {
        private final ExperimentRequest request;
        private final String parentId;
        private final Subject subject;
        private final Claim claim;
        private long epochStartNanos = System.nanoTime();
        private long lastProgressNanos = System.nanoTime();
        private long lastCheckpointNanos = System.nanoTime();

        Observer(ExperimentRequest request, String parentId, Claim claim) {
            this.request = request;
            this.parentId = parentId;
            this.subject = Subject.of(request, parentId);
            this.claim = claim;
        }

        @Override
        public void onStart(String device, int batchesPerEpoch) {
            metrics.trainingStarted(request, device, batchesPerEpoch);
            claim.record(Running.of(request.experimentId(), subject, device, worker), events::publish);
        }

        @Override
        public void onBatchEnd(int epoch, int batch, int batchesPerEpoch) {
            metrics.batchDone(epoch, batch, batchesPerEpoch);
            long now = System.nanoTime();
            if (batch == 1) {
                epochStartNanos = now; // close enough: the first batch's own time is lost, not the rate
            } else if (batch < batchesPerEpoch && now - lastProgressNanos >= config.trainer().progressIntervalMs() * NANOS_PER_MS) {
                lastProgressNanos = now;
                double seconds = (now - epochStartNanos) / NANOS_PER_SECOND;
                double imagesPerSecond = (batch - 1) * (double) request.hyperParameters().batchSize() / seconds;
                claim.record(Progress.of(request.experimentId(), subject, epoch, batch, batchesPerEpoch, imagesPerSecond),
                        events::publish);
            }
        }

        @Override
        public void onEpochEnd(EpochMetrics m) {
            EventMetrics values = EventMetrics.of(m);
            metrics.epochDone(request, m);
            if (!claim.confirm()) { // a holder paused past its lease wakes here: the new holder's epochs count
                LOG.warnf("experiment %s: epoch %d done, but the claim no longer holds; not publishing it",
                        request.experimentId(), m.epoch());
                return;
            }
            claim.record(Epoch.of(request.experimentId(), subject, m.epoch(), values), events::publish);
        }

        @Override
        public void onResume(TrainingCheckpoint from) {
            metrics.resumed();
            LOG.infof("experiment %s: resumed from epoch %d, batch %d", request.experimentId(), from.epoch(),
                    from.batchesDone());
            claim.record(Resumed.of(request.experimentId(), subject, from.epoch(), from.batchesDone(), worker),
                    events::publish);
        }

        /** Mid-epoch, every checkpoint interval (none when it is 0), while this trainer holds the run. */
        @Override
        public boolean checkpointDue(int epoch, int batchesDone) {
            long interval = config.trainer().checkpointInterval().toNanos();
            return interval > 0 && System.nanoTime() - lastCheckpointNanos >= interval && !claim.isLost();
        }

        /**
         * Written while the claim holds, but not after the last epoch: the run ends right after it, and
         * a run that ended has no checkpoint. A failed write leaves the previous one current.
         */
        @Override
        public void onCheckpoint(TrainingCheckpoint checkpoint) {
            lastCheckpointNanos = System.nanoTime();
            // confirmed, not just isLost(): a holder woken from a pause past its lease learns it here, before
            // it writes over the new holder's checkpoint (the beat that would tell it may not have run yet)
            if (checkpoint.epoch() >= request.hyperParameters().epochs() || !claim.confirm()) {
                return;
            }
            Integer attempt = claim.state().attempt();
            checkpoints.save(request.experimentId(), worker, attempt == null ? 1 : attempt, checkpoint);
        }

        /** A random search's trial below the median of its siblings stops, when its sweep asks for that. */
        @Override
        public Optional<String> stopAfter(EpochMetrics m) {
            Optional<Sweep> sweep = parentId == null ? Optional.empty()
                    : states.get(parentId).map(ExperimentState::sweep).filter(s -> s.medianStopping() != null);
            if (sweep.isEmpty()) {
                return Optional.empty();
            }
            List<List<Double>> others = sweep.get().childIds(parentId).stream()
                    .filter(sibling -> !sibling.equals(request.experimentId()))
                    .map(sibling -> states.get(sibling).map(ExperimentState::valAccuracies).orElse(null))
                    .toList();
            return MedianStoppingRule.check(sweep.get().medianStopping(), m.epoch(), m.valAccuracy(), others);
        }

        @Override
        public boolean cancelRequested() {
            return cancellations.isCancelled(request.experimentId(), parentId) || claim.isLost();
        }
    }
}
