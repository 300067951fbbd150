package dev.fmnist.inference.predictions;

import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.inference.config.InferenceConfig;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The prediction log: answered images recorded on {@code PREFIX.predictions}, keyed by prediction id,
 * for the live accuracy and the audit. Which requests are recorded, and whether with their pixels, is
 * decided per served model ({@link #sample}); the records wait in a bounded buffer drained by one
 * producer ({@link PredictionBuffer}), so the log never blocks, slows or fails a request: what does not
 * fit, or the broker does not take, is dropped and counted. The producer asks one replica's
 * acknowledgement and lingers to batch: this is telemetry, not the system of record.
 */
@ApplicationScoped
public class PredictionLog {

    private static final Logger LOG = Logger.getLogger(PredictionLog.class);
    /**
     * Records batched for this long at most: one produce request carries many answers. The records are
     * keyed by prediction id, so they spread over every partition; at 20 ms a batch held a few records
     * and the broker's work per batch (on the same cores as serving, on a small machine) was a third
     * of the log's cost. A tenth of a second later on the topic costs the live statistics nothing.
     */
    private static final int LINGER_MS = 100;
    /** A partition's batch may grow to this while it lingers (the producer's default, 16 KiB, holds ~30 records). */
    private static final int BATCH_BYTES = 64 * 1024;
    /**
     * The producer's memory for batches: each open batch takes BATCH_BYTES, one per partition with
     * records in the last linger, so room for 1,000 of them (TopicLayout's most partitions) at once.
     */
    private static final long BUFFER_BYTES = 1000L * BATCH_BYTES;
    /** How long the drainer waits for a topic's metadata before a record counts as dropped. */
    private static final int MAX_BLOCK_MS = 5_000;

    /** Whether a request is recorded, and with its pixels. */
    public enum Sample {
        SKIP, RECORD, CAPTURE
    }

    /** One model's sampling: the share of requests recorded, and whether with their pixels. */
    record Sampling(double rate, boolean capture) {
        Sample draw() {
            if (rate <= 0 || rate < 1 && ThreadLocalRandom.current().nextDouble() >= rate) {
                return Sample.SKIP;
            }
            return capture ? Sample.CAPTURE : Sample.RECORD;
        }
    }

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    @Inject
    PredictionMetrics metrics;

    private Sampling defaults;
    private final Map<String, Sampling> models = new HashMap<>();
    private PredictionBuffer buffer;

    @PostConstruct
    void open() {
        InferenceConfig.Predictions settings = config.predictions();
        defaults = new Sampling(rate("fmnist.predictions.sample-rate", settings.sampleRate()), settings.capturePixels());
        settings.models().forEach((name, model) -> {
            String key = "fmnist.predictions.models.\"" + name + "\"";
            String served;
            try {
                served = NetworkSpec.fromServingName(name).servingName();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
            }
            models.put(served, new Sampling(rate(key + ".sample-rate", model.sampleRate().orElse(defaults.rate())),
                    model.capturePixels().orElse(defaults.capture())));
        });
        for (String name : config.serving().models()) {
            metrics.model(NetworkSpec.fromServingName(name).servingName());
        }
        if (!settings.enabled()) {
            LOG.info("prediction log: off (fmnist.predictions.enabled=false)");
            return;
        }
        Map<String, Object> producer = KafkaClients.producer(kafkaConfig);
        producer.put(ProducerConfig.ACKS_CONFIG, "1");
        producer.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        producer.put(ProducerConfig.LINGER_MS_CONFIG, LINGER_MS);
        producer.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        producer.put(ProducerConfig.BUFFER_MEMORY_CONFIG, BUFFER_BYTES);
        producer.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
        producer.put(ProducerConfig.CLIENT_ID_CONFIG, "fmnist-inference-predictions");
        String topic = Topic.PREDICTIONS.name(config.kafka().topicPrefix());
        buffer = new PredictionBuffer(new KafkaProducer<>(producer, new StringSerializer(), new ByteArraySerializer()),
                topic, settings.buffer(), metrics);
        LOG.infof("prediction log: to %s, a buffer of %d records; sampling %s%s", topic, settings.buffer(),
                describe(defaults), models.isEmpty() ? "" : ", per model " + models);
    }

    /** Made at start, not on the first request: the producer's set-up is no request's latency. */
    void start(@Observes StartupEvent start) {
        // observing the event is what makes the bean at start
    }

    @PreDestroy
    void close() {
        if (buffer != null) {
            buffer.close();
        }
    }

    /** {@code rate}, a share of requests under setting {@code key}: refused naming the key unless 0 to 1. */
    static double rate(String key, double rate) {
        if (!(rate >= 0 && rate <= 1)) {
            throw new IllegalArgumentException(key + ": a share of requests, 0 to 1, got " + rate);
        }
        return rate;
    }

    private static String describe(Sampling s) {
        return s.rate() + " of requests" + (s.capture() ? ", pixels captured" : "");
    }

    /** Whether a request to served model {@code model} is recorded, and with its pixels: one draw per request. */
    public Sample sample(String model) {
        if (buffer == null) {
            return Sample.SKIP;
        }
        return models.getOrDefault(model, defaults).draw();
    }

    /** Queues {@code record} for the topic; never blocks or throws: when it cannot be queued it is counted as dropped. */
    public void record(PredictionRecord record) {
        if (buffer != null) {
            buffer.offer(new PredictionBuffer.Made(record));
        }
    }

    /** Queues a request's records, made off the request path. */
    void answered(Answer answer) {
        if (buffer != null) {
            buffer.offer(answer);
        }
    }
}
