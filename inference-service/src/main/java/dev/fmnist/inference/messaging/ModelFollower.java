package dev.fmnist.inference.messaging;

import dev.fmnist.inference.serving.ModelRepository;
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
 * Follows {@code fmnist.models} from the beginning and hands each artefact (the key is its
 * architecture label) to the {@link ModelRepository}, which considers those of the models served
 * here. The model-control topic is read first, so a pinned model never serves the newest artefact in
 * between.
 */
@ApplicationScoped
public class ModelFollower {

    private static final Logger LOG = Logger.getLogger(ModelFollower.class);
    static final Duration CONTROL_CATCH_UP = Duration.ofSeconds(30);

    @Inject
    ModelRepository repository;

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
        repository.published(record.getKey() == null ? "" : record.getKey(), offset, record.getPayload());
        return record.ack();
    }
}
