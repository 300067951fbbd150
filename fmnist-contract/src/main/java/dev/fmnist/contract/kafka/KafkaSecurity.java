package dev.fmnist.contract.kafka;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * Kafka SASL/SSL client settings from the environment: the variables the services' application.properties
 * read ({@code kafka.security.protocol=${KAFKA_SECURITY_PROTOCOL:PLAINTEXT}}, ...), mapped once here for
 * the plain programs that have no Quarkus configuration: the CLI and {@link TopicSetup}'s command line.
 */
public final class KafkaSecurity {

    /** Environment variable to Kafka client setting, in the order the docs list them. */
    public static final Map<String, String> VARIABLES = variables();

    private KafkaSecurity() {}

    /**
     * The client settings for the variables that are set and not blank; none set means none returned,
     * so the client keeps Kafka's defaults (PLAINTEXT).
     */
    public static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> settings = new LinkedHashMap<>();
        VARIABLES.forEach((variable, setting) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                settings.put(setting, value);
            }
        });
        return settings;
    }

    private static Map<String, String> variables() {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("KAFKA_SECURITY_PROTOCOL", CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        variables.put("KAFKA_SASL_MECHANISM", SaslConfigs.SASL_MECHANISM);
        variables.put("KAFKA_SASL_JAAS_CONFIG", SaslConfigs.SASL_JAAS_CONFIG);
        variables.put("KAFKA_SSL_TRUSTSTORE_LOCATION", SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
        variables.put("KAFKA_SSL_TRUSTSTORE_PASSWORD", SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG);
        return Collections.unmodifiableMap(variables);
    }
}
