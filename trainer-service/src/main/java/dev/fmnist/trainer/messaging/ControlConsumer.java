package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.experiments.ControlCommand;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import dev.fmnist.trainer.training.CancellationRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code fmnist.experiment-control}: {@link ControlCommand}s. The running
 * experiment stops at its next batch; a queued one ends CANCELLED when its turn comes.
 */
@ApplicationScoped
public class ControlConsumer {

    private static final Logger LOG = Logger.getLogger(ControlConsumer.class);

    @Inject
    CancellationRegistry cancellations;

    @Inject
    TrainerMetrics metrics;

    @Incoming("experiment-control")
    public void onControl(byte[] payload) {
        try {
            String id = ControlCommand.parse(payload).experimentId();
            cancellations.cancel(id);
            LOG.infof("cancel requested for %s", id);
        } catch (RuntimeException e) {
            metrics.badControlMessage();
            LOG.warnf("ignored control message: %s", e.getMessage());
        }
    }
}
