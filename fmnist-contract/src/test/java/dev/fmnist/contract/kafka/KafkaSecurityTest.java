package dev.fmnist.contract.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.config.DeploymentVariables;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class KafkaSecurityTest {

    private static final String JAAS =
            "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"fmnist-admin\" password=\"p\";";

    @Test
    void mapsEachVariableThatIsSetAndOnlyThose() {
        Map<String, String> settings = KafkaSecurity.fromEnvironment(Map.of(
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", JAAS,
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/truststore.p12",
                "KAFKA_SSL_TRUSTSTORE_PASSWORD", " ",
                "KAFKA_BOOTSTRAP_SERVERS", "broker:9093"));
        assertThat(settings).containsExactly(
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "PLAIN"),
                Map.entry("sasl.jaas.config", JAAS),
                Map.entry("ssl.truststore.location", "/etc/kafka/truststore.p12"));
        assertThat(KafkaSecurity.fromEnvironment(Map.of())).as("nothing set: Kafka's defaults").isEmpty();
    }

    @Test
    void topicSetupsAdminClientConnectsWithThem() {
        Map<String, Object> admin = TopicSetup.adminSettings("broker:9093",
                Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM", "PLAIN",
                        "KAFKA_SASL_JAAS_CONFIG", JAAS));
        assertThat(admin).containsExactlyInAnyOrderEntriesOf(Map.of(
                "bootstrap.servers", "broker:9093",
                "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", JAAS));
        assertThat(TopicSetup.adminSettings("kafka:9092", Map.of())).containsOnlyKeys("bootstrap.servers");
    }

    /** The services read the same variables into the same settings (kafka.SETTING=${VARIABLE:...}), and no other security ones. */
    @Test
    void theServicesReadTheSameVariablesIntoTheSameSettings() throws IOException {
        for (String module : List.of("trainer-service", "inference-service")) {
            Properties properties = new Properties();
            try (var in = Files.newInputStream(
                    DeploymentVariables.ROOT.resolve(module + "/src/main/resources/application.properties"))) {
                properties.load(in);
            }
            KafkaSecurity.VARIABLES.forEach((variable, setting) ->
                    assertThat(properties.getProperty("kafka." + setting)).as(module + ": kafka." + setting)
                            .startsWith("${" + variable + ":"));
            assertThat(properties.stringPropertyNames()).as(module + ": its kafka.sasl.* and kafka.ssl.* settings")
                    .filteredOn(key -> key.startsWith("kafka.sasl.") || key.startsWith("kafka.ssl."))
                    .allMatch(key -> KafkaSecurity.VARIABLES.containsValue(key.substring("kafka.".length())));
        }
    }
}
