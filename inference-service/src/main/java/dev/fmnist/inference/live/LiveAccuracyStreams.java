package dev.fmnist.inference.live;

import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.kafka.TopicAccess;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.inference.config.InferenceConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.jboss.logging.Logger;

/**
 * Runs the live-accuracy processor ({@link LiveAccuracyTopology}) in this replica and answers
 * {@link LiveStatsView} from its global store. Every replica runs it under one application id
 * ({@code PREFIX-live-accuracy}), so they share the counting by partition, and each keeps all the
 * versions' statistics. Plain Kafka Streams rather than Quarkus's extension: it is switched off by
 * {@code fmnist.live.enabled}, takes the connection (and SASL/TLS) settings every other client of the
 * service takes, and never gates readiness: serving does not wait for statistics.
 */
@ApplicationScoped
public class LiveAccuracyStreams implements LiveStatsView {

    private static final Logger LOG = Logger.getLogger(LiveAccuracyStreams.class);
    /** How often the statistics reach the topic: seconds, not Kafka Streams' default 30 s, for the dashboards. */
    static final Duration COMMIT_INTERVAL = LiveAccuracyTopology.TALLY_INTERVAL;
    /** How often the gauges' set of versions is refreshed (their values are read at each scrape). */
    static final Duration GAUGE_REFRESH = Duration.ofSeconds(2);
    private static final Duration CLOSE = Duration.ofSeconds(10);
    /** Stream threads replaced after an unexpected error before the processor gives up (and says so). */
    private static final int REPLACEMENTS = 5;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    @Inject
    LiveMetrics metrics;

    private volatile KafkaStreams streams;
    private volatile ScheduledExecutorService gauges;
    private Path ownStateDir;
    private final AtomicInteger replaced = new AtomicInteger();
    /** Each version's statistics as last parsed, with the bytes they came from: a record is parsed once. */
    private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();

    private record Parsed(byte[] json, Optional<LiveStats> stats) {}

    /**
     * The application id (and consumer group, and prefix of the internal topics) under {@code prefix}:
     * the contract's, which the ACLs grant.
     */
    public static String applicationId(String prefix) {
        return TopicAccess.liveAccuracyApplicationId(prefix);
    }

    void start(@Observes StartupEvent start) {
        if (!config.live().enabled()) {
            LOG.info("live accuracy: off (fmnist.live.enabled=false)");
            return;
        }
        String prefix = config.kafka().topicPrefix();
        LiveAccuracyTopology.Refusals refusals = (topic, reason, detail) -> metrics.refused(prefix, topic, reason, detail);
        KafkaStreams kafkaStreams = new KafkaStreams(
                LiveAccuracyTopology.build(prefix, config.live().joinWindow(), Clock.systemUTC(), refusals),
                properties(prefix, refusals));
        kafkaStreams.setUncaughtExceptionHandler(e -> {
            if (replaced.incrementAndGet() <= REPLACEMENTS) {
                LOG.errorf(e, "live accuracy: stream thread failed; replacing it (%d of %d)", replaced.get(), REPLACEMENTS);
                return StreamThreadExceptionResponse.REPLACE_THREAD;
            }
            LOG.errorf(e, "live accuracy: stream thread failed %d times; live accuracy stops (serving goes on)",
                    replaced.get());
            return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        kafkaStreams.setStateListener((now, before) -> LOG.debugf("live accuracy: %s -> %s", before, now));
        streams = kafkaStreams;
        kafkaStreams.start();
        gauges = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "live-accuracy-gauges");
            thread.setDaemon(true);
            return thread;
        });
        gauges.scheduleWithFixedDelay(this::refreshGauges, 0, GAUGE_REFRESH.toMillis(), TimeUnit.MILLISECONDS);
        LOG.infof("live accuracy: counting %s joined with %s within %s as %s", Topic.PREDICTIONS.name(prefix),
                Topic.FEEDBACK.name(prefix), config.live().joinWindow(), applicationId(prefix));
    }

    void stop(@Observes ShutdownEvent stop) {
        if (gauges != null) {
            gauges.shutdownNow();
        }
        if (streams != null) {
            streams.close(CLOSE);
        }
        if (ownStateDir != null) {
            deleteTree(ownStateDir);
        }
    }

    private void refreshGauges() {
        try {
            metrics.refresh(this);
        } catch (RuntimeException e) { // a gauge refresh never ends the schedule
            LOG.warnf(e, "live accuracy: gauges not refreshed");
        }
    }

    private Properties properties(String prefix, LiveAccuracyTopology.Refusals refusals) {
        Properties p = new Properties();
        // the connection, SASL and TLS settings of the service's other clients: those an admin client knows
        kafkaConfig.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key) && !key.equals(AdminClientConfig.CLIENT_ID_CONFIG)) {
                p.put(key, value);
            }
        });
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId(prefix));
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir().toString());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL.toMillis());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, RefusingHandlers.Deserialization.class);
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, RefusingHandlers.Processing.class);
        p.put(RefusingHandlers.REFUSALS, refusals);
        p.put(StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all");
        p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDb.class);
        return p;
    }

    private Path stateDir() {
        Optional<String> configured = config.live().stateDir().filter(dir -> !dir.isBlank());
        if (configured.isPresent()) {
            return Path.of(configured.get());
        }
        try {
            // one per process: two replicas on one machine never share (and lock each other out of) a state dir
            ownStateDir = Files.createTempDirectory("fmnist-live-accuracy-");
            return ownStateDir;
        } catch (IOException e) {
            throw new UncheckedIOException("live accuracy: cannot make a state directory", e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            LOG.debugf("live accuracy: state directory %s not deleted: %s", dir, e.getMessage());
        }
    }

    @Override
    public Optional<LiveStats> get(String model, String version) {
        String key = LiveStats.key(model, version);
        return store().flatMap(store -> {
            try {
                return read(key, store.get(key));
            } catch (InvalidStateStoreException e) {
                return Optional.empty();
            }
        });
    }

    @Override
    public List<LiveStats> all() {
        List<LiveStats> all = new ArrayList<>();
        Optional<ReadOnlyKeyValueStore<String, byte[]>> store = store();
        if (store.isEmpty()) {
            return all;
        }
        Map<String, byte[]> entries = new HashMap<>();
        try (KeyValueIterator<String, byte[]> it = store.get().all()) {
            while (it.hasNext()) {
                KeyValue<String, byte[]> entry = it.next();
                entries.put(entry.key, entry.value);
            }
        } catch (InvalidStateStoreException e) {
            return all;
        }
        parsed.keySet().retainAll(entries.keySet());
        entries.forEach((key, json) -> read(key, json).ifPresent(all::add));
        return all;
    }

    private Optional<ReadOnlyKeyValueStore<String, byte[]>> store() {
        KafkaStreams running = streams;
        if (running == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(running.store(StoreQueryParameters.fromNameAndType(LiveAccuracyTopology.VIEW_STORE,
                    QueryableStoreTypes.<String, byte[]>keyValueStore())));
        } catch (InvalidStateStoreException e) { // starting, or stopped
            return Optional.empty();
        }
    }

    /** The statistics {@code json} holds for {@code key}, parsed once per change; a record refused is counted once. */
    private Optional<LiveStats> read(String key, byte[] json) {
        if (json == null) {
            parsed.remove(key);
            return Optional.empty();
        }
        Parsed known = parsed.get(key);
        if (known != null && Arrays.equals(known.json, json)) {
            return known.stats;
        }
        Optional<LiveStats> stats;
        try {
            stats = Optional.of(LiveStats.parse(key, json));
        } catch (IllegalArgumentException e) {
            metrics.refused(config.kafka().topicPrefix(), Topic.LIVE_ACCURACY.suffix(), LiveAccuracyTopology.INVALID,
                    "under '" + key + "': " + e.getMessage());
            stats = Optional.empty();
        }
        parsed.put(key, new Parsed(json, stats));
        return stats;
    }
}
