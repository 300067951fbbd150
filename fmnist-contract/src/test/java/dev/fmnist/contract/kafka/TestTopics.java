package dev.fmnist.contract.kafka;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * Topics of a test JVM's own: a fresh prefix, under which every {@link Topic} is created with the
 * production settings (partitions, compaction, sizes) by {@link TopicSetup}, on the broker that
 * {@code bin/test} started ({@code KAFKA_BOOTSTRAP_SERVERS}). Nothing a test sends can reach a live
 * service on the same broker, nor a previous run's records reach a test.
 */
public final class TestTopics {

    /** The system property that carries the prefix, so every class loader of the JVM sees the same one. */
    public static final String PREFIX_PROPERTY = "fmnist.kafka.topic-prefix";
    public static final String BOOTSTRAP = bootstrap();

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
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP))) {
            TopicSetup.create(admin, prefix, TopicLayout.fromEnvironment(System.getenv()));
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create test topics on " + BOOTSTRAP + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return prefix;
    }

    private static String bootstrap() {
        String configured = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        return configured == null || configured.isBlank() ? "127.0.0.1:9092" : configured;
    }
}
