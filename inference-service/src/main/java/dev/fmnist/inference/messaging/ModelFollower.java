package dev.fmnist.inference.messaging;

import dev.fmnist.inference.serving.ModelRepository;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * Follows {@code fmnist.models} after start-up and hands each new artefact (the key is its architecture
 * label) to the {@link ModelRepository}, which considers those of the models served here. The channel
 * starts at the end offset start-up indexed up to ({@link FollowFromIndexedEnd}), so what was on the
 * topic before is never read twice; a record before it (a channel that started without that seek, when
 * the application stops during start-up) is not handed over.
 */
@ApplicationScoped
public class ModelFollower {

    @Inject
    ModelRepository repository;

    @Inject
    ModelsStartUp startUp;

    /** The offset of the next record to hand over: where a later assignment resumes. */
    private volatile long next;

    @Incoming("models")
    @Blocking
    public CompletionStage<Void> onArtefact(KafkaRecord<String, byte[]> record) {
        long offset = record.getMetadata(IncomingKafkaRecordMetadata.class).map(m -> m.getOffset()).orElse(-1L);
        if (startUp.done() && offset >= next) {
            repository.published(record.getKey() == null ? "" : record.getKey(), offset, record.getPayload());
            next = offset + 1;
        }
        return record.ack();
    }

    /** The offset of the next record to hand over (0 before any). */
    public long next() {
        return next;
    }
}
