package dev.fmnist.inference.predictions;

import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.inference.config.InferenceConfig;
import io.grpc.Status;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Feedback labels onto {@code PREFIX.feedback}, keyed by prediction id: each answered once every
 * in-sync replica has it (a label is data, not telemetry), or refused UNAVAILABLE when the broker has
 * not acknowledged it within {@code fmnist.predictions.feedback.timeout}. At most
 * {@code fmnist.predictions.feedback.max-in-flight} labels wait for the broker, counted until the
 * producer is done with them (not until their caller gave up), so a flood while the broker is away
 * holds bounded memory: beyond it RESOURCE_EXHAUSTED at once. Sends run on a thread of their own, as
 * a producer may block for the topic's metadata (at most the timeout); never on an event loop. A label
 * whose caller timed out before its turn is not sent at all, so the backlog left by a broker outage
 * clears as soon as it returns instead of blocking each queued label in turn.
 */
@ApplicationScoped
public class FeedbackWriter {

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    @Inject
    PredictionMetrics metrics;

    private Producer<String, byte[]> producer;
    private ExecutorService sender;
    private Semaphore inFlight;
    private int maxInFlight;
    private Duration timeout;
    private String topic;

    FeedbackWriter() {
        // the bean: open() sets it up from the configuration
    }

    /**
     * A writer through {@code producer} and {@code sender}, a test's (a mock that acknowledges when told,
     * a sender it runs by hand), with the settings {@link #open} reads from the configuration.
     */
    FeedbackWriter(Producer<String, byte[]> producer, ExecutorService sender, String topic, Duration timeout,
            int maxInFlight, PredictionMetrics metrics) {
        this.producer = producer;
        this.sender = sender;
        this.topic = topic;
        this.timeout = timeout;
        this.maxInFlight = maxInFlight;
        this.inFlight = new Semaphore(maxInFlight);
        this.metrics = metrics;
    }

    @PostConstruct
    void open() {
        InferenceConfig.Feedback settings = config.predictions().feedback();
        timeout = settings.timeout();
        Map<String, Object> timeouts;
        try {
            timeouts = KafkaClients.sendTimeouts(timeout);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("fmnist.predictions.feedback.timeout: " + e.getMessage(), e);
        }
        maxInFlight = InferenceConfig.atLeastOne("fmnist.predictions.feedback.max-in-flight", settings.maxInFlight());
        inFlight = new Semaphore(maxInFlight);
        topic = Topic.FEEDBACK.name(config.kafka().topicPrefix());
        Map<String, Object> client = KafkaClients.producer(kafkaConfig);
        client.putAll(timeouts);
        client.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        client.put(ProducerConfig.CLIENT_ID_CONFIG, "fmnist-inference-feedback");
        producer = new KafkaProducer<>(client, new StringSerializer(), new ByteArraySerializer());
        sender = Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "feedback-writer");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Made at start, not on the first label. */
    void start(@Observes StartupEvent start) {
        // observing the event is what makes the bean at start
    }

    @PreDestroy
    void close() {
        sender.shutdown();
        producer.close(Duration.ofSeconds(5));
    }

    /** Labels taken and not yet done with by the producer (acknowledged, failed, or skipped). */
    int inFlight() {
        return maxInFlight - inFlight.availablePermits();
    }

    /**
     * Writes {@code record}; the stage completes with it once the broker acknowledged it, or fails with
     * RESOURCE_EXHAUSTED (too many waiting) or UNAVAILABLE (not acknowledged in time, or refused).
     */
    public CompletionStage<FeedbackRecord> write(FeedbackRecord record) {
        if (!inFlight.tryAcquire()) {
            return CompletableFuture.failedFuture(Status.RESOURCE_EXHAUSTED.withDescription("feedback: " + maxInFlight
                    + " labels already wait for the broker; retry with backoff").asRuntimeException());
        }
        CompletableFuture<FeedbackRecord> written = new CompletableFuture<>();
        written.whenComplete((r, e) -> inFlight.release());
        CompletableFuture<FeedbackRecord> answer = new CompletableFuture<>();
        written.whenComplete((r, e) -> {
            if (e == null) {
                answer.complete(r);
            } else {
                answer.completeExceptionally(unavailable(e));
            }
        });
        answer.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        byte[] json = record.toJson();
        try {
            sender.execute(() -> {
                // The caller already has its UNAVAILABLE: don't spend up to max.block.ms on a label nobody
                // waits for, so a backlog built while the broker was away drains at once when it returns.
                if (answer.isDone()) {
                    written.completeExceptionally(new TimeoutException("skipped: its caller had timed out"));
                    return;
                }
                try {
                    producer.send(new ProducerRecord<>(topic, record.predictionId(), json), (metadata, e) -> {
                        if (e == null) {
                            metrics.feedback(record.source());
                            written.complete(record);
                        } else {
                            written.completeExceptionally(e);
                        }
                    });
                } catch (RuntimeException e) { // no metadata within the timeout, the producer closed, ...
                    written.completeExceptionally(e);
                }
            });
        } catch (RuntimeException e) { // the executor is shut down
            written.completeExceptionally(e);
        }
        return answer.exceptionallyCompose(e ->
                CompletableFuture.failedFuture(e instanceof TimeoutException ? unavailable(e) : e));
    }

    private RuntimeException unavailable(Throwable failure) {
        String why = failure instanceof TimeoutException ? "the broker did not acknowledge it within "
                + timeout.toMillis() + " ms" : failure.toString();
        return Status.UNAVAILABLE.withDescription("feedback: not recorded: " + why + "; retry").asRuntimeException();
    }
}
