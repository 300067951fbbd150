package dev.fmnist.contract.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** On the tests' broker: a setting changed in {@link Topic} reaches topics made before it. */
@NeedsBroker
class TopicSetupTest {

    @Test
    void updateBringsAnExistingTopicsSettingsToTopicsAndLeavesTheRestAlone() throws Exception {
        String prefix = TestTopics.fresh("setup");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap()))) {
            assertThat(TopicSetup.update(admin, prefix)).as("freshly created: nothing to change").isEmpty();

            // a cluster made before model-control kept its history 30 days, with a setting of an admin's own
            ConfigResource control = new ConfigResource(ConfigResource.Type.TOPIC, Topic.MODEL_CONTROL.name(prefix));
            Map<ConfigResource, Collection<AlterConfigOp>> old = Map.of(control, List.of(
                    new AlterConfigOp(new ConfigEntry("min.compaction.lag.ms", "60000"), AlterConfigOp.OpType.SET),
                    new AlterConfigOp(new ConfigEntry("max.compaction.lag.ms", "9000000000"), AlterConfigOp.OpType.SET)));
            admin.incrementalAlterConfigs(old).all().get(30, TimeUnit.SECONDS);
            awaitLag(admin, control, "60000"); // a broker applies an alter from the metadata log, a moment later

            assertThat(TopicSetup.update(admin, prefix)).containsExactly(Topic.MODEL_CONTROL.name(prefix)
                    + ": min.compaction.lag.ms 60000 -> 2592000000");
            awaitLag(admin, control, "2592000000");
            var configs = admin.describeConfigs(List.of(control)).all().get(30, TimeUnit.SECONDS).get(control);
            assertThat(configs.get("min.compaction.lag.ms").value()).isEqualTo("2592000000");
            assertThat(configs.get("max.compaction.lag.ms").value()).as("not ours: left alone").isEqualTo("9000000000");
            assertThat(TopicSetup.update(admin, prefix)).as("a second run").isEmpty();
        }
    }

    private static void awaitLag(Admin admin, ConfigResource topic, String value) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!value.equals(admin.describeConfigs(List.of(topic)).all().get(30, TimeUnit.SECONDS).get(topic)
                .get("min.compaction.lag.ms").value())) {
            assertThat(System.nanoTime()).as("min.compaction.lag.ms of " + topic.name() + " becomes " + value)
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
