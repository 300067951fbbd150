package dev.fmnist.trainer.coordination;

import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.trainer.config.TrainerConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.jboss.logging.Logger;

/**
 * This trainer's view of {@code fmnist.experiment-state}, followed from the beginning for as long as
 * the trainer runs, and its writes to it. Every trainer folds the same records in the same order
 * ({@link StateTable}), so all agree on which experiments ended and who holds the others; a claim is
 * decided by writing it and reading the topic back past it ({@link #tryClaim}).
 */
@ApplicationScoped
public class ExperimentStates {

    private static final Logger LOG = Logger.getLogger(ExperimentStates.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CATCH_UP = Duration.ofSeconds(30);

    private final StateTable table = new StateTable();
    private final Map<Integer, Long> positions = new HashMap<>();
    private final CountDownLatch ready = new CountDownLatch(1);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    TrainerConfig config;

    private String topic;
    private KafkaProducer<String, byte[]> producer;
    private KafkaConsumer<String, byte[]> follower;
    private KafkaConsumer<String, byte[]> probe;
    private volatile boolean stopping;

    void start(@Observes StartupEvent start) {
        topic = Topic.EXPERIMENT_STATE.name(config.kafka().topicPrefix());
        Map<String, Object> producerConfig = KafkaClients.producer(kafkaConfig);
        producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(producerConfig);
        follower = new KafkaConsumer<>(consumerConfig());
        probe = new KafkaConsumer<>(consumerConfig());
        Thread reader = new Thread(this::follow, "experiment-states");
        reader.setDaemon(true);
        reader.start();
    }

    void stop(@Observes ShutdownEvent stop) {
        stopping = true;
        follower.wakeup();
        producer.close(Duration.ofSeconds(5));
        synchronized (probe) {
            probe.close();
        }
    }

    private Map<String, Object> consumerConfig() {
        return KafkaClients.consumer(kafkaConfig, Map.of(
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
    }

    /** Reads the topic from the beginning, then follows it; ready once the records there at start are read. */
    private void follow() {
        long started = System.nanoTime();
        try {
            while (!stopping) {
                try {
                    readFromStart(started);
                } catch (WakeupException e) {
                    return;
                } catch (RuntimeException e) { // the broker gone, the topic missing: read it again from the start
                    if (stopping) {
                        return;
                    }
                    LOG.warnf("experiment state: cannot read %s (%s); retrying", topic, e.getMessage());
                    sleep(Duration.ofSeconds(2));
                }
            }
        } finally {
            follower.close();
        }
    }

    private void readFromStart(long started) {
        List<TopicPartition> partitions = follower.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        if (partitions.isEmpty()) {
            // never taken for an empty history: that would train finished experiments again
            throw new IllegalStateException("topic " + topic + " does not exist; create the topics "
                    + "(deploy/kafka/kafka.sh topics, or the topics job)");
        }
        follower.assign(partitions);
        follower.seekToBeginning(partitions);
        Map<TopicPartition, Long> initialEnd = follower.endOffsets(partitions);
        long records = 0;
        while (!stopping) {
            for (ConsumerRecord<String, byte[]> record : follower.poll(POLL)) {
                records++;
                apply(record);
            }
            synchronized (positions) {
                for (TopicPartition p : partitions) {
                    positions.put(p.partition(), follower.position(p));
                }
                positions.notifyAll();
            }
            if (ready.getCount() > 0 && partitions.stream().allMatch(p -> follower.position(p) >= initialEnd.get(p))) {
                LOG.infof("experiment state: %d records read in %d ms, %d experiments known", records,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), table.size());
                ready.countDown();
            }
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        try {
            table.apply(record.key(), record.value());
        } catch (IllegalArgumentException e) {
            LOG.warnf("experiment state: ignored a record at %s-%d@%d that is not a state (%s)", record.topic(),
                    record.partition(), record.offset(), e.getMessage());
        }
    }

    /** Blocks until the history is read; nothing may be claimed before, or a finished run would repeat. */
    public void awaitReady() throws InterruptedException {
        while (!ready.await(30, TimeUnit.SECONDS)) {
            LOG.info("waiting for the experiment state to be read");
        }
    }

    public boolean isReady() {
        return ready.getCount() == 0;
    }

    /** Where the experiment stands, as far as this trainer has read. */
    public Optional<ExperimentState> get(String experimentId) {
        return table.get(experimentId);
    }

    /** Writes a state and waits for the broker (all in-sync replicas); returns where it landed. */
    public RecordMetadata write(ExperimentState state) {
        try {
            if (state.isEnded()) { // first under the end key, on the id's partition: see StateTable.END_KEY_SUFFIX
                int partition = Utils.toPositive(Utils.murmur2(state.experimentId().getBytes(StandardCharsets.UTF_8)))
                        % producer.partitionsFor(topic).size(); // where the default partitioner puts the id
                producer.send(new ProducerRecord<>(topic, partition, StateTable.endKey(state.experimentId()), state.toJson()))
                        .get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
            }
            return producer.send(new ProducerRecord<>(topic, state.experimentId(), state.toJson()))
                    .get(CATCH_UP.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing the state of " + state.experimentId(), e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot write the state of " + state.experimentId() + " to " + topic
                    + ": " + e.getMessage(), e);
        }
    }

    /** Blocks until this trainer's view has read past {@code written}. */
    public void awaitSeen(RecordMetadata written) {
        awaitPosition(written.partition(), written.offset() + 1);
    }

    /**
     * Blocks until this trainer's view has read everything on the topic now: what any trainer wrote
     * before this call is then in {@link #get}. Two trainers that each write and then catch up cannot
     * both miss the other's write.
     */
    public void catchUp() {
        Map<TopicPartition, Long> end;
        synchronized (probe) {
            List<TopicPartition> partitions = probe.partitionsFor(topic, CATCH_UP).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            end = probe.endOffsets(partitions, CATCH_UP);
        }
        end.forEach((partition, offset) -> awaitPosition(partition.partition(), offset));
    }

    /** How many partitions one of the project's topics has now. */
    public int partitionCount(Topic of) {
        synchronized (probe) {
            int count = probe.partitionsFor(of.name(config.kafka().topicPrefix()), CATCH_UP).size();
            if (count == 0) {
                throw new IllegalStateException("topic " + of.name(config.kafka().topicPrefix()) + " does not exist");
            }
            return count;
        }
    }

    private void awaitPosition(int partition, long offset) {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        synchronized (positions) {
            while (positions.getOrDefault(partition, -1L) < offset) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IllegalStateException("the experiment state did not reach " + topic + "-" + partition
                            + "@" + offset + " within " + CATCH_UP.toSeconds() + " s");
                }
                try {
                    positions.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while reading the experiment state", e);
                }
            }
        }
    }

    /**
     * Claims {@code experimentId} for {@code worker}: writes the claim on top of {@code basis} (what this
     * trainer knows of it) and reads the topic back past it. Empty when the experiment ended or another
     * trainer's claim came first or still holds.
     */
    public Optional<Claim> tryClaim(ExperimentState basis, String worker) {
        ExperimentState claim = basis.claimedBy(worker, basis.nextAttempt(), Instant.now());
        awaitSeen(write(claim));
        ExperimentState now = get(basis.experimentId()).orElseThrow();
        return now.sameClaim(claim) && !now.isEnded() ? Optional.of(new Claim(this, now)) : Optional.empty();
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
