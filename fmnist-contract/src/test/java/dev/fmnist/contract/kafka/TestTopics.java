package dev.fmnist.contract.kafka;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Assumptions;

/**
 * Topics of a test JVM's own: a fresh prefix, under which every {@link Topic} is created with the
 * production settings (partitions, compaction, sizes) by {@link TopicSetup}, on the broker that
 * {@code bin/test} started ({@code KAFKA_BOOTSTRAP_SERVERS}). Nothing a test sends can reach a live
 * service on the same broker, nor a previous run's records reach a test.
 *
 * <p>Without {@code KAFKA_BOOTSTRAP_SERVERS} there is no broker of the tests' own, and a test that asks for
 * one here is aborted (JUnit reports it skipped, with {@link #NO_BROKER}) rather than pointed at whatever
 * listens on Kafka's default port. Mark such tests {@link NeedsBroker} so they are skipped before they start.
 */
public final class TestTopics {

    /** The system property that carries the prefix, so every class loader of the JVM sees the same one. */
    public static final String PREFIX_PROPERTY = "fmnist.kafka.topic-prefix";
    /** Where {@code bin/test} says its broker listens. */
    public static final String BOOTSTRAP_VARIABLE = "KAFKA_BOOTSTRAP_SERVERS";
    /** Why a test that needs a broker did not run. */
    public static final String NO_BROKER = "needs a broker: run bin/test, or set " + BOOTSTRAP_VARIABLE;

    private TestTopics() {}

    /** This JVM's prefix; its topics exist once this returns. */
    public static synchronized String prefix() {
        String prefix = System.getProperty(PREFIX_PROPERTY);
        if (prefix == null) {
            prefix = fresh("test");
            System.setProperty(PREFIX_PROPERTY, prefix);
        }
        return prefix;
    }

    /** The name of {@code topic} under this JVM's prefix. */
    public static String name(Topic topic) {
        return topic.name(prefix());
    }

    /** A new prefix starting with {@code label}, with all topics created under it. */
    public static String fresh(String label) {
        String prefix = label + "-" + UUID.randomUUID().toString().substring(0, 8);
        String bootstrap = bootstrap();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            TopicSetup.create(admin, prefix, TopicLayout.fromEnvironment(System.getenv()));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create test topics on " + bootstrap + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return prefix;
    }

    /** The tests' broker ({@code KAFKA_BOOTSTRAP_SERVERS}); aborts the calling test when none is set. */
    public static String bootstrap() {
        String configured = System.getenv(BOOTSTRAP_VARIABLE);
        Assumptions.assumeTrue(configured != null && !configured.isBlank(), NO_BROKER);
        return configured;
    }
}
