package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.kafka.TestTopics;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Points the service under test at topics of its own (created with production settings) on the test broker. */
public class TestTopicsResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        // aborts (a skip, with the reason) when no broker of the tests' own is set: never a stranger's
        return Map.of(TestTopics.PREFIX_PROPERTY, TestTopics.prefix(), "kafka.bootstrap.servers",
                TestTopics.bootstrap());
    }

    @Override
    public void stop() {
        // the topics stay with the test broker, which bin/test deletes with its data directory
    }
}
