package dev.fmnist.trainer.checkpoints;

import dev.fmnist.contract.checkpoints.CheckpointManifest;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.engine.training.TrainingCheckpoint;
import dev.fmnist.trainer.config.TrainerConfig;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * The runs' checkpoints as the runner uses them: the last one of a run, if it can continue this
 * request's training; a new one written; all of a run's deleted when it ends. Nothing here fails a
 * run: a checkpoint refused is logged and counted and the run starts from epoch 0; one not written is
 * logged and counted and the run goes on.
 */
@ApplicationScoped
public class Checkpoints {

    private static final Logger LOG = Logger.getLogger(Checkpoints.class);
    /** For a read, a write or a deletion as a whole: far beyond a healthy broker's, short of a run's. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    TrainerConfig config;

    @Inject
    TrainerMetrics metrics;

    private CheckpointStore store;

    @PostConstruct
    void open() {
        store = new CheckpointStore(kafkaConfig, Topic.CHECKPOINTS.name(config.kafka().topicPrefix()), TIMEOUT);
    }

    @PreDestroy
    void close() {
        store.close();
    }

    /**
     * The run's last checkpoint when it continues exactly this request's training (network, recipe,
     * seed) and has epochs left; empty when there is none, or it is refused (logged, counted).
     */
    public Optional<TrainingCheckpoint> resumable(ExperimentRequest request) {
        String id = request.experimentId();
        String fingerprint = TrainingCheckpoint.fingerprint(request.network(), request.hyperParameters());
        try {
            Optional<StoredCheckpoint> stored = store.read(id, fingerprint);
            if (stored.isEmpty()) {
                return Optional.empty();
            }
            CheckpointManifest manifest = stored.get().manifest();
            TrainingCheckpoint checkpoint;
            try {
                checkpoint = TrainingCheckpoint.fromBytes(stored.get().bytes());
            } catch (IllegalArgumentException e) {
                throw new CheckpointRefusedException(Refusal.CHECKPOINT, "checkpoint " + manifest.checkpointId()
                        + ": " + e.getMessage());
            }
            if (!checkpoint.fingerprint().equals(fingerprint) || checkpoint.epoch() != manifest.epoch()
                    || checkpoint.batchesDone() != manifest.batchesDone()) {
                throw new CheckpointRefusedException(Refusal.CHECKPOINT, "checkpoint " + manifest.checkpointId()
                        + " is " + checkpoint + " but its manifest says epoch " + manifest.epoch() + ", batch "
                        + manifest.batchesDone() + " of fingerprint " + manifest.fingerprint());
            }
            if (checkpoint.epoch() >= request.hyperParameters().epochs()) {
                throw new CheckpointRefusedException(Refusal.CHECKPOINT, "checkpoint " + manifest.checkpointId()
                        + " is past the run's " + request.hyperParameters().epochs() + " epochs");
            }
            LOG.infof("experiment %s: resuming from %s, written by %s (attempt %d) at %s", id, checkpoint,
                    manifest.worker(), manifest.attempt(), manifest.createdAt());
            return Optional.of(checkpoint);
        } catch (CheckpointRefusedException e) {
            metrics.checkpointRefused(e.refusal());
            LOG.warnf("experiment %s: its checkpoint is refused (%s: %s); training from epoch 0", id,
                    e.refusal().label(), e.getMessage());
            return Optional.empty();
        } catch (RuntimeException e) { // the topic missing, not authorised, metadata timing out: never fail a run
            metrics.checkpointRefused(Refusal.READ);
            LOG.warnf("experiment %s: its checkpoints cannot be read (%s); training from epoch 0", id, e.toString());
            return Optional.empty();
        }
    }

    /**
     * The engine found that a checkpoint {@link #resumable} handed out does not fit the run (its
     * parameters or position): counted and logged like any refusal; the run trains from epoch 0.
     */
    public void refusedByEngine(String experimentId, IllegalArgumentException e) {
        metrics.checkpointRefused(Refusal.CHECKPOINT);
        LOG.warnf("experiment %s: its checkpoint is refused (%s: %s); training from epoch 0", experimentId,
                Refusal.CHECKPOINT.label(), e.getMessage());
    }

    /** Writes {@code checkpoint} as the run's current one; false (logged, counted) when it could not be. */
    public boolean save(String experimentId, String worker, int attempt, TrainingCheckpoint checkpoint) {
        try {
            byte[] bytes = checkpoint.toBytes();
            CheckpointManifest written = store.write(new CheckpointStore.Origin(experimentId, worker, attempt,
                    checkpoint.epoch(), checkpoint.batchesDone(), checkpoint.fingerprint()), bytes);
            metrics.checkpointWritten(bytes.length);
            LOG.debugf("experiment %s: checkpoint %s written (%d bytes in %d chunks)", experimentId,
                    written.checkpointId(), bytes.length, written.chunks());
            return true;
        } catch (RuntimeException e) {
            metrics.checkpointFailed();
            LOG.warnf("experiment %s: %s not written (%s); the run goes on from the previous one", experimentId,
                    checkpoint, e.getMessage());
            return false;
        }
    }

    /** Tombstones the run's checkpoints; a failure is logged (retention removes them within 7 days). */
    public void delete(String experimentId) {
        try {
            int tombstones = store.delete(experimentId);
            if (tombstones > 0) {
                LOG.debugf("experiment %s: %d checkpoint records tombstoned", experimentId, tombstones);
            }
        } catch (RuntimeException e) {
            LOG.warnf("experiment %s: its checkpoints not deleted (%s); the topic's retention removes them",
                    experimentId, e.getMessage());
        }
    }
}
