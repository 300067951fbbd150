package dev.fmnist.cli.kafka;

import picocli.CommandLine.Option;

/** Where the broker is and which topics to use: the same defaults as the services. */
public final class KafkaOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-127.0.0.1:9092}",
            description = "Kafka brokers (default: $KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE})")
    public String bootstrapServers;

    @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = "${env:FMNIST_TOPIC_PREFIX:-fmnist}",
            description = "topics are PREFIX.experiments, PREFIX.experiment-events, ... (default: ${DEFAULT-VALUE})")
    public String topicPrefix;

    @Option(names = "--kafka-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "how long to try to reach the broker (default: ${DEFAULT-VALUE})")
    public int timeoutSeconds;

    public String experiments() {
        return topicPrefix + ".experiments";
    }

    public String events() {
        return topicPrefix + ".experiment-events";
    }

    public String control() {
        return topicPrefix + ".experiment-control";
    }

    public String models() {
        return topicPrefix + ".models";
    }

    public String reports() {
        return topicPrefix + ".reports";
    }
}
