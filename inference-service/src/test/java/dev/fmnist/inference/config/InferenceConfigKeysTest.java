package dev.fmnist.inference.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.config.DeploymentVariables;
import io.smallrye.config.ConfigMappings.ConfigClass;
import io.smallrye.config.ConfigMappings;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every fmnist.* key of the service's properties, and every FMNIST_* variable its deployments set, is one that {@link InferenceConfig} declares. */
class InferenceConfigKeysTest {

    private static final Set<String> DECLARED = ConfigMappings.getProperties(new ConfigClass(InferenceConfig.class, "fmnist")).keySet();

    @Test
    void theMappingDeclaresWhatTheDeploymentsSet() {
        assertThat(DECLARED).contains("fmnist.kafka.topic-prefix");
        assertThat(DeploymentVariables.setFor("fmnist-inference", "inference-service")).contains("FMNIST_SERVING_MIN_TEST_ACCURACY");
        assertThat(DeploymentVariables.unreadable(DECLARED, "inference-service", "fmnist-inference", "inference-service")).isEmpty();
        assertThat(DeploymentVariables.undeclaredKeys(DECLARED, "inference-service")).isEmpty();
    }

    @Test
    void everyChannelIsOnAContractTopicUnderTheConfiguredPrefix() {
        assertThat(DeploymentVariables.strayChannelTopics("inference-service")).isEmpty();
    }

    @Test
    void aQueueSettingBelowOneIsRefusedByName() {
        assertThat(InferenceConfig.atLeastOne("fmnist.serving.batching.queue-capacity", 1)).isEqualTo(1);
        assertThatThrownBy(() -> InferenceConfig.atLeastOne("fmnist.serving.images.decode-queue-capacity", 0))
                .hasMessage("fmnist.serving.images.decode-queue-capacity: must be at least 1, got 0");
    }

    @Test
    void aSettingOutOfItsRangeIsRefusedByName() {
        String key = "fmnist.serving.shadow-max-delay-micros";
        assertThat(InferenceConfig.within(key, 0, 0, 1_000_000)).isZero();
        assertThat(InferenceConfig.within(key, 1_000_000, 0, 1_000_000)).isEqualTo(1_000_000);
        assertThatThrownBy(() -> InferenceConfig.within(key, 1_000_001, 0, 1_000_000))
                .hasMessage(key + ": expected 0 to 1000000, got 1000001");
        assertThatThrownBy(() -> InferenceConfig.within(key, -1, 0, 1_000_000))
                .hasMessage(key + ": expected 0 to 1000000, got -1");
    }
}
