package dev.fmnist.trainer.coordination;

import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.TopicAccess;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The transactional producer through which one holder of an experiment publishes its end: one
 * transactional id per experiment, so opening it ({@code initTransactions}) fences every producer an
 * earlier holder opened under that id. A lease only says when to take a run over; it cannot stop a
 * holder that was paused after its last check from publishing when it wakes (its check passed, the
 * pause came after). The fence can: that holder's commit fails, and what it sent is aborted, never
 * read by the read-committed readers ({@link KafkaClients#consumer}).
 *
 * <p>Opened before the claim it guards is written ({@link ExperimentStates#tryClaim}): of two holders
 * that both commit an end, the later one's fence would then have been opened after the earlier one
 * committed, and its claim written after that end, where the state table refuses it.
 */
final class HolderFence implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(HolderFence.class);

    /** The broker's message.max.bytes (deploy/kafka/server.properties): an artefact is the largest record. */
    static final int MAX_REQUEST_BYTES = 20 * 1024 * 1024;
    /**
     * An end not committed within half a lease is aborted by the broker, at its next check for such
     * (deploy/kafka/server.properties: every second). Read-committed readers of its partitions see
     * nothing past an open transaction, other holders' beats included, and a trainer judging a lease
     * first reads past it ({@link ExperimentStates#catchUp}): so it is kept short.
     */
    static final int TRANSACTION_TIMEOUT_MS = (int) ExperimentState.LEASE.dividedBy(2).toMillis();

    /** The commit failed because a later holder's fence was opened: nothing of it will be read. */
    static final class FencedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FencedException(String transactionalId, KafkaException cause) {
            super("the producer of " + transactionalId + " was fenced by a later holder's", cause);
        }
    }

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);
    private static final int RETRY_BACKOFF_MS = 10;
    private static final int COMMIT_TRIES = 3;

    private final String transactionalId;
    private final KafkaProducer<String, byte[]> producer;

    private HolderFence(String transactionalId, KafkaProducer<String, byte[]> producer) {
        this.transactionalId = transactionalId;
        this.producer = producer;
    }

    /**
     * Opens the producer of {@code transactionalId} ({@link TopicAccess#holderTransactionalId}) and
     * fences the earlier ones of that id: blocks for the broker's answer.
     */
    static HolderFence open(Map<String, Object> kafkaConfig, String transactionalId) {
        Map<String, Object> settings = new HashMap<>(KafkaClients.producer(kafkaConfig));
        // bounded waits on sends and on the coordinator: long enough for a lost broker's partitions
        // (the coordinator's among them) to move, as the state topic's writes wait
        settings.putAll(KafkaClients.sendTimeouts(SEND_TIMEOUT));
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        settings.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, TRANSACTION_TIMEOUT_MS);
        settings.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, MAX_REQUEST_BYTES);
        settings.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // opening one retries its first requests: after the default 100 ms that took 130 ms a claim
        // (median of 10 on a local broker), after 10 ms 50-75 ms; the backoff still grows to 1 s
        settings.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, RETRY_BACKOFF_MS);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings, new StringSerializer(),
                new ByteArraySerializer());
        try {
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(CLOSE_TIMEOUT);
            throw e;
        }
        return new HolderFence(transactionalId, producer);
    }

    /**
     * Writes {@code records} in one transaction: all are read, or none. A {@link FencedException} when
     * a later holder's fence was opened first; any other failure is aborted and thrown.
     */
    void commit(List<ProducerRecord<String, byte[]>> records) {
        try {
            producer.beginTransaction();
            for (ProducerRecord<String, byte[]> record : records) {
                producer.send(record);
            }
            commitRetryingTimeouts();
        } catch (ProducerFencedException | InvalidProducerEpochException e) {
            throw new FencedException(transactionalId, e);
        } catch (KafkaException e) {
            abort(e);
            throw e;
        }
    }

    /**
     * Flushes and commits, and throws what a send failed with. A commit that timed out may still
     * complete: Kafka's contract is to call it again, which finishes it or says why not.
     */
    private void commitRetryingTimeouts() {
        for (int tries = 1; ; tries++) {
            try {
                producer.commitTransaction();
                return;
            } catch (TimeoutException e) {
                if (tries == COMMIT_TRIES) {
                    throw e;
                }
                LOG.warnf("%s: commit not answered within %d s; asking again", transactionalId, SEND_TIMEOUT.toSeconds());
            }
        }
    }

    private void abort(KafkaException cause) {
        try {
            producer.abortTransaction();
        } catch (KafkaException e) {
            LOG.warnf("%s: the failed end (%s) not aborted: %s; the broker aborts it within %d ms", transactionalId,
                    cause.getMessage(), e.getMessage(), TRANSACTION_TIMEOUT_MS);
        }
    }

    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT); // bounded: a broker that is gone must not hold the trainer
    }
}
