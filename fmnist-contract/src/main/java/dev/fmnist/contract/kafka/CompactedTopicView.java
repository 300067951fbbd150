package dev.fmnist.contract.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A topic read the way a compacted topic is read: every partition from the beginning up to the end
 * offsets taken when reading starts ({@link #awaitCaughtUp caught up}), then followed. Each record goes
 * to one {@link RecordHandler} on the one thread that polls, so the handler needs no locks of its own.
 * Writers wait for what they wrote to be applied ({@link #awaitApplied}); with {@link Builder#writable}
 * the view is also the writer, and says where Kafka's own partitioner puts a key ({@link #partitionOf}).
 *
 * <p>Services {@link #start} it on a thread of its own that outlives a lost broker (it logs, waits and
 * reads on from where it was) and a record the handler throws on (logged and counted,
 * {@link #failedRecords}, and reading goes on); the CLI {@link #run}s it on its own thread and gets
 * the error, the broker's or the handler's.
 */
public final class CompactedTopicView implements AutoCloseable {

    /** What the view hands records to, on its polling thread. */
    public interface RecordHandler {

        /**
         * Applies one record. What it throws ends {@link #run} with that exception (a checked one
         * wrapped); under {@link #start} it is logged and counted, and reading goes on.
         */
        void handle(ConsumerRecord<String, byte[]> record) throws Exception;

        /**
         * Called once, after the records that were on the topic when reading began are all handled;
         * what it throws goes where {@link #handle}'s does.
         */
        default void caughtUp() {}
    }

    private static final Logger LOG = LoggerFactory.getLogger(CompactedTopicView.class);
    /** How long one poll waits for records: also how soon a request for the current end is served. */
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(2);
    private static final Duration CLOSE = Duration.ofSeconds(10);

    private final String name;
    private final List<String> topics;
    private final Map<String, Object> consumerConfig;
    private final KafkaProducer<String, byte[]> producer;
    private final StringSerializer keySerializer = new StringSerializer();
    private final Duration writeTimeout;
    /** {@link Builder#reachWithin}: null to wait the consumer's {@code default.api.timeout.ms}. */
    private final Duration reach;

    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    /** Per partition, the offset of the next record to handle: everything before it is applied. */
    private final Map<TopicPartition, Long> positions = new HashMap<>();
    private final Queue<CompletableFuture<Map<TopicPartition, Long>>> endRequests = new ConcurrentLinkedQueue<>();
    private final AtomicLong failed = new AtomicLong();
    private volatile KafkaConsumer<String, byte[]> consumer;
    /** {@link #logEnds}: the polling thread's own, made at the first {@link #awaitCurrentEnd}. */
    private KafkaConsumer<String, byte[]> logEnds;
    private volatile boolean stopping;
    /** {@link #reached}: the topics' partitions are known, so a broker answered. */
    private volatile boolean reached;
    private volatile Thread poller;

    // the polling thread's own
    private List<TopicPartition> partitions;
    private Map<TopicPartition, Long> endAtStart;
    private Set<TopicPartition> behind;
    private long handled;
    private long startedNanos;
    /** {@link #run}: the handler's exception ends the reading and goes to the caller. */
    private boolean handlerErrorsEnd;

    private CompactedTopicView(Builder builder) {
        this.name = builder.name;
        this.topics = List.copyOf(builder.topics);
        // the beginning, also when a position falls off the log while it is read
        this.consumerConfig = KafkaClients.consumer(builder.kafkaConfig,
                Map.of(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"));
        this.writeTimeout = builder.writeTimeout;
        this.reach = builder.reach;
        this.producer = builder.writeTimeout == null ? null
                : new KafkaProducer<>(KafkaClients.producer(builder.kafkaConfig), new StringSerializer(),
                        new ByteArraySerializer());
    }

    /**
     * A view of {@code topics}, all their partitions; {@code kafkaConfig} holds the connection settings
     * (a service's channel configuration, or the CLI's), of which {@link KafkaClients} keeps the client's.
     */
    public static Builder builder(Map<String, Object> kafkaConfig, List<String> topics) {
        return new Builder(kafkaConfig, topics);
    }

    /** Reads on a daemon thread of its own, named for the view, until {@link #close}; returns this view. */
    public synchronized CompactedTopicView start(RecordHandler handler) {
        Objects.requireNonNull(handler, "handler");
        if (poller != null) {
            throw new IllegalStateException(name + " is already reading");
        }
        Thread thread = new Thread(() -> {
            try {
                read(handler, true);
            } catch (RuntimeException e) { // the consumer could not even be made (its settings): nothing to retry
                LOG.error("{}: cannot read {}; the view stays behind", name, topics, e);
            }
        }, name);
        thread.setDaemon(true);
        poller = thread;
        thread.start();
        return this;
    }

    /**
     * Reads on the calling thread until {@link #stop} (from the handler, too) or {@link #close}; a topic
     * that does not exist is an {@link UnknownTopicOrPartitionException}, a broker out of reach another
     * {@link org.apache.kafka.common.KafkaException}, and what the handler throws ends the reading (the
     * consumer closed) with that exception, a checked one wrapped in an {@link IllegalStateException}.
     */
    public void run(RecordHandler handler) {
        Objects.requireNonNull(handler, "handler");
        synchronized (this) {
            if (poller != null) {
                throw new IllegalStateException(name + " is already reading");
            }
            poller = Thread.currentThread();
        }
        read(handler, false);
    }

    /** Asks the reading to end after the record in hand; the handler is given no other. */
    public void stop() {
        stopping = true;
        KafkaConsumer<String, byte[]> reading = consumer;
        if (reading != null && Thread.currentThread() != poller) {
            reading.wakeup();
        }
    }

    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    /**
     * Whether a broker answered: the topics' partitions are known. What fails after that (a timeout
     * while a partition has no leader) is not a cluster out of reach.
     */
    public boolean reached() {
        return reached;
    }

    /** Waits until the records on the topics when reading began are handled; false when {@code timeout} passed first. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Waits until the record at {@code offset} of {@code partition} is handled; false when {@code timeout} passed first. */
    public boolean awaitOffset(TopicPartition partition, long offset, Duration timeout) throws InterruptedException {
        return awaitPosition(partition, offset + 1, System.nanoTime() + timeout.toNanos());
    }

    /** Waits until the record a producer was told it wrote is handled; false when {@code timeout} passed first. */
    public boolean awaitApplied(RecordMetadata written, Duration timeout) throws InterruptedException {
        return awaitOffset(new TopicPartition(written.topic(), written.partition()), written.offset(), timeout);
    }

    /**
     * Waits until everything on the topics now (their end offsets when this is called) is handled:
     * whatever any writer had written before is then applied, and a transaction open then has ended
     * (its records applied when it committed). False when {@code timeout} passed first.
     */
    public boolean awaitCurrentEnd(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        CompletableFuture<Map<TopicPartition, Long>> request = new CompletableFuture<>();
        endRequests.add(request); // the polling thread owns the consumer: it asks between two polls
        Map<TopicPartition, Long> end;
        try {
            end = request.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            request.cancel(false);
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(name + ": cannot read the end offsets of " + topics + ": "
                    + e.getCause().getMessage(), e.getCause());
        }
        for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
            if (!awaitPosition(partition.getKey(), partition.getValue(), deadline)) {
                return false;
            }
        }
        return true;
    }

    /** Records the handler threw on: logged each, skipped. */
    public long failedRecords() {
        return failed.get();
    }

    /**
     * The partition the producer puts {@code key} on: Kafka's own partitioner over the partitions the
     * producer knows of the view's topic. For a record that must sit beside another key's records.
     */
    public int partitionOf(String key) {
        String topic = writableTopic();
        return BuiltInPartitioner.partitionForKey(keySerializer.serialize(topic, key), partitionCount(topic));
    }

    /** How many partitions the writer sees on {@code topic}, this view's or another of the same cluster. */
    public int partitionCount(String topic) {
        writableTopic();
        return producer.partitionsFor(topic).size();
    }

    /** Writes {@code value} under {@code key} on the partition of the key and waits for the broker's acknowledgement. */
    public RecordMetadata write(String key, byte[] value) {
        return write(null, key, value);
    }

    /**
     * Writes {@code value} under {@code key} on {@code partition} (null: the key's) and waits for the
     * broker's acknowledgement; an {@link IllegalStateException} that names the key when it does not come.
     */
    public RecordMetadata write(Integer partition, String key, byte[] value) {
        String topic = writableTopic();
        try {
            return producer.send(new ProducerRecord<>(topic, partition, key, value))
                    .get(writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while writing " + key + " to " + topic, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot write " + key + " to " + topic + ": " + cause, cause);
        }
    }

    /** Stops reading, waits for the polling thread to end and closes the clients. */
    @Override
    public void close() {
        stop();
        closed.countDown();
        Thread thread = poller;
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(CLOSE.toMillis());
                if (thread.isAlive()) {
                    LOG.warn("{}: the polling thread did not end within {} s", name, CLOSE.toSeconds());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    private String writableTopic() {
        if (producer == null) {
            throw new IllegalStateException(name + " was not built writable");
        }
        return topics.get(0);
    }

    private void read(RecordHandler handler, boolean retry) {
        startedNanos = System.nanoTime();
        handlerErrorsEnd = !retry;
        try (KafkaConsumer<String, byte[]> reading = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            consumer = reading;
            while (!stopping) { // stop() reads the consumer after setting the flag: one of the two sees the other
                try {
                    readOn(reading, handler);
                } catch (WakeupException e) {
                    // stop() from another thread: the loop ends
                } catch (RuntimeException e) {
                    if (!retry || stopping) {
                        throw e;
                    }
                    LOG.warn("{}: cannot read {} ({}{}); retrying in {} s", name, topics, e.getMessage(),
                            e instanceof UnknownTopicOrPartitionException
                                    ? ": create the topics (deploy/kafka/kafka.sh topics, or the topics job)" : "",
                            RETRY.toSeconds());
                    awaitClosed(RETRY);
                }
            }
        } finally {
            if (logEnds != null) {
                logEnds.close();
                logEnds = null;
            }
            consumer = null;
            for (CompletableFuture<?> request; (request = endRequests.poll()) != null; ) {
                request.completeExceptionally(new IllegalStateException(name + " is closed"));
            }
        }
    }

    /**
     * The polling thread's consumer of the logs' true ends, open transactions included. The reading
     * consumer reads committed records only, and its own end offsets stop at the first transaction
     * still open: waiting for those, {@link #awaitCurrentEnd} would return with records written
     * after it (another holder's beats) unread. Waiting for these, it returns once the transaction
     * ended, its records applied or skipped.
     */
    private KafkaConsumer<String, byte[]> logEnds() {
        if (logEnds == null) {
            Map<String, Object> settings = new HashMap<>(consumerConfig);
            settings.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, KafkaClients.READ_UNCOMMITTED);
            logEnds = new KafkaConsumer<>(settings, new StringDeserializer(), new ByteArrayDeserializer());
        }
        return logEnds;
    }

    /** From wherever the last try stopped: resolving the partitions, taking the end offsets, or following. */
    private void readOn(KafkaConsumer<String, byte[]> reading, RecordHandler handler) {
        if (partitions == null) {
            List<TopicPartition> found = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos = reach == null ? reading.partitionsFor(topic) : reading.partitionsFor(topic, reach);
                if (infos == null || infos.isEmpty()) {
                    throw new UnknownTopicOrPartitionException("topic " + topic + " does not exist");
                }
                infos.forEach(info -> found.add(new TopicPartition(topic, info.partition())));
            }
            reading.assign(found);
            reading.seekToBeginning(found);
            partitions = List.copyOf(found);
            reached = true;
        }
        if (endAtStart == null) {
            endAtStart = reading.endOffsets(partitions);
            behind = new HashSet<>();
            partitions.stream().filter(p -> endAtStart.getOrDefault(p, 0L) > 0).forEach(behind::add);
            checkCaughtUp(handler);
        }
        while (!stopping) {
            for (CompletableFuture<Map<TopicPartition, Long>> request; (request = endRequests.poll()) != null; ) {
                try {
                    request.complete(logEnds().endOffsets(partitions));
                } catch (RuntimeException e) {
                    request.completeExceptionally(e);
                }
            }
            for (ConsumerRecord<String, byte[]> record : reading.poll(POLL)) {
                handle(handler, record);
                advance(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                checkCaughtUp(handler);
                if (stopping) {
                    return;
                }
            }
            // past what no record shows: compacted gaps, transaction markers
            for (TopicPartition partition : partitions) {
                advance(partition, reading.position(partition));
            }
            checkCaughtUp(handler);
        }
    }

    private void handle(RecordHandler handler, ConsumerRecord<String, byte[]> record) {
        handled++;
        try {
            handler.handle(record);
        } catch (Exception e) {
            failed.incrementAndGet();
            if (handlerErrorsEnd) { // the caller's: a command must not succeed past a record it could not apply
                stopping = true;
                throw e instanceof RuntimeException unchecked ? unchecked
                        : new IllegalStateException(name + ": the record at " + record.topic() + "-"
                                + record.partition() + "@" + record.offset() + " (key '" + record.key()
                                + "') was not applied: " + e.getMessage(), e);
            }
            LOG.warn("{}: the record at {}-{}@{} (key '{}') was not applied", name, record.topic(), record.partition(),
                    record.offset(), record.key(), e);
        }
    }

    private void advance(TopicPartition partition, long position) {
        synchronized (positions) {
            if (position > positions.getOrDefault(partition, 0L)) {
                positions.put(partition, position);
                positions.notifyAll();
            }
        }
        if (behind != null && position >= endAtStart.getOrDefault(partition, 0L)) {
            behind.remove(partition);
        }
    }

    private void checkCaughtUp(RecordHandler handler) {
        if (behind == null || !behind.isEmpty() || caughtUp.getCount() == 0) {
            return;
        }
        LOG.info("{}: {} records of {} read in {} ms; following", name, handled, topics,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos));
        try {
            handler.caughtUp();
        } catch (RuntimeException e) {
            if (handlerErrorsEnd) {
                stopping = true;
                throw e;
            }
            LOG.warn("{}: the handler failed on catching up", name, e);
        }
        caughtUp.countDown(); // after the handler's turn: who awaits it sees what the handler did
    }

    private boolean awaitPosition(TopicPartition partition, long position, long deadline) throws InterruptedException {
        synchronized (positions) {
            while (positions.getOrDefault(partition, 0L) < position) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(positions, left);
            }
            return true;
        }
    }

    private void awaitClosed(Duration duration) {
        try {
            closed.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopping = true;
        }
    }

    /** How the view reads (and, if asked, writes). */
    public static final class Builder {

        private final Map<String, Object> kafkaConfig;
        private final List<String> topics;
        private String name;
        private Duration writeTimeout;
        private Duration reach;

        private Builder(Map<String, Object> kafkaConfig, List<String> topics) {
            this.kafkaConfig = Objects.requireNonNull(kafkaConfig, "kafkaConfig");
            if (topics.isEmpty()) {
                throw new IllegalArgumentException("topics: name at least one");
            }
            this.topics = List.copyOf(topics);
            this.name = String.join("+", topics);
        }

        /** Names the polling thread and the log lines (default: the topics). */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Also the topic's writer (one topic only), waiting up to {@code timeout} for each acknowledgement. */
        public Builder writable(Duration timeout) {
            if (topics.size() != 1) {
                throw new IllegalArgumentException("topics: a writable view reads one topic, not " + topics);
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: must be positive, got " + timeout);
            }
            this.writeTimeout = timeout;
            return this;
        }

        /**
         * Waits at most {@code timeout} for the topics' partitions (any broker answers that), and the
         * consumer's {@code default.api.timeout.ms} for the rest, which can include a partition's
         * leader failing over: a client can then tell "no broker answers" sooner than it gives up on
         * a cluster that is moving a dead broker's partitions.
         */
        public Builder reachWithin(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout: must be positive, got " + timeout);
            }
            this.reach = timeout;
            return this;
        }

        public CompactedTopicView build() {
            return new CompactedTopicView(this);
        }
    }
}
