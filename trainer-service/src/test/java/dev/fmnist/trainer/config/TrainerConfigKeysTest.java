package dev.fmnist.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.config.DeploymentVariables;
import io.smallrye.config.ConfigMappings.ConfigClass;
import io.smallrye.config.ConfigMappings;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every fmnist.* key of the service's properties, and every FMNIST_* variable its deployments set, is one that {@link TrainerConfig} declares. */
class TrainerConfigKeysTest {

    private static final Set<String> DECLARED = ConfigMappings.getProperties(new ConfigClass(TrainerConfig.class, "fmnist")).keySet();

    @Test
    void theMappingDeclaresWhatTheDeploymentsSet() {
        assertThat(DECLARED).contains("fmnist.kafka.topic-prefix");
        assertThat(DeploymentVariables.setFor("fmnist-trainer", "trainer-service")).contains("FMNIST_TRAINER_THREADS");
        assertThat(DeploymentVariables.unreadable(DECLARED, "trainer-service", "fmnist-trainer", "trainer-service")).isEmpty();
        assertThat(DeploymentVariables.undeclaredKeys(DECLARED, "trainer-service")).isEmpty();
    }

    @Test
    void everyChannelIsOnAContractTopicUnderTheConfiguredPrefix() {
        assertThat(DeploymentVariables.strayChannelTopics("trainer-service")).isEmpty();
    }
}
