package dev.fmnist.inference.messaging;

import dev.fmnist.inference.serving.ModelSelector;
import dev.fmnist.inference.serving.ModelSlots;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Follows {@code fmnist.models} from the beginning and hands each artefact of a served model (the key
 * is its architecture label) to the {@link ModelSelector}. The model-control topic is read first, so a
 * pinned model never serves the newest artefact in between.
 */
@ApplicationScoped
public class ModelFollower {

    private static final Logger LOG = Logger.getLogger(ModelFollower.class);
    static final Duration CONTROL_CATCH_UP = Duration.ofSeconds(30);

    @Inject
    ModelSlots slots;

    @Inject
    ModelSelector selector;

    @Inject
    ModelControlTopic control;

    private volatile boolean controlRead;

    @Incoming("models")
    @Blocking
    public CompletionStage<Void> onArtefact(KafkaRecord<String, byte[]> record) throws InterruptedException {
        if (!controlRead) {
            if (!control.awaitCaughtUp(CONTROL_CATCH_UP)) {
                LOG.warnf("model control not read within %d s; following the newest artefacts meanwhile",
                        CONTROL_CATCH_UP.toSeconds());
            }
            controlRead = true;
        }
        long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
        slots.forArtefactKey(record.getKey() == null ? "" : record.getKey())
                .ifPresent(slot -> selector.published(slot, offset, record.getPayload()));
        return record.ack();
    }
}
