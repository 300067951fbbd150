package dev.fmnist.trainer.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import dev.fmnist.trainer.training.CancellationRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Reads {@code fmnist.experiment-control}: {"type":"cancel","experimentId":"..."}. The running
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
            JsonNode command = EventPublisher.JSON.readTree(payload);
            String id = command.path("experimentId").asText("");
            if (!"cancel".equals(command.path("type").asText()) || id.isBlank()) {
                throw new IOException("expected {\"type\":\"cancel\",\"experimentId\":\"...\"}");
            }
            cancellations.cancel(id);
            LOG.infof("cancel requested for %s", id);
        } catch (IOException | RuntimeException e) {
            metrics.badControlMessage();
            LOG.warnf("ignored control message: %s", e.getMessage());
        }
    }
}
