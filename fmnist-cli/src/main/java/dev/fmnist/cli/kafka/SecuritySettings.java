package dev.fmnist.cli.kafka;

import java.util.LinkedHashMap;
import java.util.Map;

/** Kafka SASL/SSL client settings from the same environment variables the services read. */
final class SecuritySettings {

    private static final Map<String, String> VARIABLES = Map.of(
            "KAFKA_SECURITY_PROTOCOL", "security.protocol",
            "KAFKA_SASL_MECHANISM", "sasl.mechanism",
            "KAFKA_SASL_JAAS_CONFIG", "sasl.jaas.config",
            "KAFKA_SSL_TRUSTSTORE_LOCATION", "ssl.truststore.location",
            "KAFKA_SSL_TRUSTSTORE_PASSWORD", "ssl.truststore.password");

    private SecuritySettings() {}

    static Map<String, String> fromEnvironment(Map<String, String> environment) {
        Map<String, String> settings = new LinkedHashMap<>();
        VARIABLES.forEach((variable, key) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                settings.put(key, value);
            }
        });
        return settings;
    }
}
