package dev.fmnist.inference.messaging;

import dev.fmnist.contract.kafka.CompactedTopicView;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.inference.serving.ModelRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * The model-control topic: read from the beginning at start-up (before any artefact is considered,
 * so a restarted replica comes back pinned), then followed; every record for a model served here is
 * applied to the {@link ModelRepository}. Also the writer the repository's load/unload use, which
 * waits until this replica has applied what it wrote.
 */
@ApplicationScoped
public class ModelControlTopic {

    private static final Logger LOG = Logger.getLogger(ModelControlTopic.class);
    private static final Duration SEND = Duration.ofSeconds(15);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Inject
    InferenceConfig config;

    @Inject
    ModelRepository repository;

    @Inject
    ServingMetrics metrics;

    private TopicPartition partition;
    /**
     * Made with the bean, read from at start-up: the Kafka channels start before the StartupEvent, and
     * the models-topic follower already waits on it ({@link #awaitCaughtUp}).
     */
    private volatile CompactedTopicView view;

    @PostConstruct
    void open() {
        partition = new TopicPartition(Topic.MODEL_CONTROL.name(config.kafka().topicPrefix()), 0);
        view = CompactedTopicView.builder(kafkaConfig, List.of(partition.topic())).name("model-control")
                .writable(SEND).build();
    }

    void start(@Observes StartupEvent start) {
        view.start(this::apply);
    }

    /** Safe also when the application stops before it started: the view then has nothing to stop. */
    void stop(@Observes ShutdownEvent stop) {
        view.close();
    }

    /** Waits until the records on the topic at start-up are applied; false when {@code timeout} passed first. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return view.awaitCaughtUp(timeout);
    }

    /** Writes {@code control} for every replica and returns its offset. */
    public long write(ModelControl control) {
        return view.write(control.model(), control.toJson()).offset();
    }

    /** Waits until this replica has applied the record at {@code offset}; false when {@code timeout} passed first. */
    public boolean awaitApplied(long offset, Duration timeout) throws InterruptedException {
        return view.awaitOffset(partition, offset, timeout);
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (repository.find(record.key() == null ? "" : record.key()).isEmpty()) {
            return; // a model another replica set serves
        }
        ModelControl control;
        try {
            control = ModelControl.parse(record.key(), record.value());
        } catch (IllegalArgumentException e) {
            metrics.controlRejected();
            LOG.warnf("model control: record at offset %d under '%s' ignored: %s", record.offset(), record.key(),
                    e.getMessage());
            return;
        }
        LOG.infof("model control: %s %s%s%s%s", control.model(), control.pinnedVersion().map(v -> "pinned to " + v)
                .orElse("follows the newest artefact"), control.challengerVersion().map(v -> ", challenger " + v + " in "
                        + control.mode().wire() + " for " + control.share()).orElse(""),
                control.decision() == null ? "" : ", " + control.decision().wire() + " by " + control.by(),
                control.reason() == null ? "" : " (" + control.reason() + ")");
        repository.apply(control);
    }
}
