package dev.fmnist.cli.kafka;

import dev.fmnist.contract.kafka.Topic;
import picocli.CommandLine.Option;

/** Where the broker is and which topics to use: the same defaults as the services. */
public final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE})")
    public String bootstrapServers;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "${env:FMNIST_TOPIC_PREFIX:-" + Topic.DEFAULT_PREFIX + "}",
            description = "topics are PREFIX.experiments, PREFIX.experiment-events, ... (default: ${DEFAULT-VALUE})")
    public String topicPrefix;

    @Option(names = "--kafka-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "how long to try to reach the broker (default: ${DEFAULT-VALUE}); reads and writes then wait 30 s"
                    + " more for a partition's new leader while a broker fails over")
    public int timeoutSeconds;

    public String experiments() {
        return Topic.EXPERIMENTS.name(topicPrefix);
    }

    public String events() {
        return Topic.EXPERIMENT_EVENTS.name(topicPrefix);
    }

    public String state() {
        return Topic.EXPERIMENT_STATE.name(topicPrefix);
    }

    public String control() {
        return Topic.EXPERIMENT_CONTROL.name(topicPrefix);
    }

    public String models() {
        return Topic.MODELS.name(topicPrefix);
    }

    public String modelControl() {
        return Topic.MODEL_CONTROL.name(topicPrefix);
    }

    public String reports() {
        return Topic.REPORTS.name(topicPrefix);
    }
}
