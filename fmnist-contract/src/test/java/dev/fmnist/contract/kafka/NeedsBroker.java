package dev.fmnist.contract.kafka;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Marks a test class (or method) that talks to a Kafka broker: it runs only when
 * {@code KAFKA_BOOTSTRAP_SERVERS} names the broker to use, as {@code bin/test} always does with one of its
 * own, and is skipped with the reason otherwise. A test never falls back to a broker it happens to find
 * (a developer's, a live stack's). Quarkus tests carry it too: the service under test connects at start.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@EnabledIfEnvironmentVariable(named = TestTopics.BOOTSTRAP_VARIABLE, matches = ".*\\S.*",
        disabledReason = TestTopics.NO_BROKER)
public @interface NeedsBroker {}
