package dev.fmnist.cli.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.BrokerFailure.Access;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** The exceptions a Kafka client throws when a broker refuses it, as the CLI reports them (a real broker's are in kafka.md). */
class BrokerFailureTest {

    private static final String HOST = "broker:9092";

    private static CliException report(Throwable failure, Access access, String... topics) {
        return BrokerFailure.of(failure, HOST, 30, access, List.of(topics), false);
    }

    @Test
    void aRefusedWriteNamesTheTopicAndWhereTheAclsAre() {
        // as a send's future fails when the principal may describe the topic but not write it
        CliException e = report(new ExecutionException(new TopicAuthorizationException(Set.of("fmnist.model-control"))),
                Access.WRITE, "fmnist.model-control");
        assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(e.getMessage()).isEqualTo("Kafka at broker:9092 refused this client: not authorized to write topic "
                + "fmnist.model-control (TopicAuthorizationException); ask an operator for the ACL (docs/operating/kafka.md)");
    }

    @Test
    void aRefusedReadNamesTheTopicsTheBrokerRefusedNotAllThoseAskedFor() {
        CliException e = report(new TopicAuthorizationException("Not authorized to access topics: [fmnist.models, fmnist.experiments.dlq]",
                Set.of("fmnist.models", "fmnist.experiments.dlq")), Access.READ,
                "fmnist.experiment-events", "fmnist.experiments.dlq", "fmnist.models");
        assertThat(e.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(e.getMessage()).contains("refused this client: not authorized to read topics fmnist.experiments.dlq, fmnist.models (")
                .doesNotContain("experiment-events");

        CliException unnamed = report(new TopicAuthorizationException("Topic authorization failed."), Access.READ, "fmnist.models");
        assertThat(unnamed.getMessage()).as("no topic named by the broker: the one asked for")
                .contains("not authorized to read topic fmnist.models (TopicAuthorizationException)");
    }

    @Test
    void groupAndClusterRefusalsSayWhatWasRefused() {
        CliException group = report(GroupAuthorizationException.forGroupId("fmnist-trainers"), Access.READ, "fmnist.experiments");
        assertThat(group.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(group.getMessage()).contains("not authorized to use consumer group fmnist-trainers (GroupAuthorizationException)")
                .endsWith("ask an operator for the ACL (docs/operating/kafka.md)");

        CliException cluster = report(new KafkaException("send failed",
                new ClusterAuthorizationException("Cluster authorization failed.")), Access.WRITE, "fmnist.experiments");
        assertThat(cluster.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(cluster.getMessage()).contains("refused this client: not authorized for a cluster operation: "
                + "Cluster authorization failed. (ClusterAuthorizationException)");
    }

    @Test
    void aFailedLoginPointsAtTheSecurityVariables() {
        CliException sasl = report(new SaslAuthenticationException(
                "Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN"),
                Access.READ, "fmnist.experiment-state");
        assertThat(sasl.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(sasl.getMessage()).isEqualTo("Kafka at broker:9092 refused this client: authentication failed: "
                + "Authentication failed during authentication due to invalid credentials with SASL mechanism PLAIN "
                + "(SaslAuthenticationException); check KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM and "
                + "KAFKA_SASL_JAAS_CONFIG (docs/operating/security.md)");

        CliException ssl = report(new SslAuthenticationException("SSL handshake failed"), Access.WRITE, "fmnist.experiments");
        assertThat(ssl.exitCode()).isEqualTo(ExitCode.REFUSED);
        assertThat(ssl.getMessage()).contains("authentication failed: SSL handshake failed (SslAuthenticationException)")
                .contains("KAFKA_SSL_TRUSTSTORE_LOCATION");
    }

    @Test
    void anythingElseIsABrokerOutOfReach() {
        CliException e = report(new ExecutionException(new TimeoutException("Topic fmnist.experiments not present in metadata")),
                Access.WRITE, "fmnist.experiments");
        assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(e.getMessage()).isEqualTo("cannot reach Kafka at broker:9092 within 30 s (TimeoutException); start it "
                + "with 'bin/up' or 'deploy/kafka/kafka.sh start', or point --bootstrap-servers at it");
        assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
    }

    @Test
    void aTimeoutOnceABrokerAnsweredSaysWhatWasWaitedFor() {
        CliException e = BrokerFailure.of(new TimeoutException("Timeout of 40000ms expired before the position for "
                + "partition fmnist.experiment-state-3 could be determined"), HOST, 10, Access.READ,
                List.of("fmnist.experiment-state"), true);
        assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(e.getMessage()).isEqualTo("Kafka at broker:9092 answered, but reading fmnist.experiment-state did not "
                + "complete within 40 s (TimeoutException): a partition without a leader, or fewer in-sync replicas than "
                + "the topic's min.insync.replicas; check the brokers ('deploy/kafka/kafka.sh status', "
                + "docs/operating/kafka.md#kafka-beyond-one-broker)");
    }

    @Test
    void refusedHasAnExitCodeOfItsOwn() {
        assertThat(ExitCode.REFUSED).isNotIn(ExitCode.OK, ExitCode.ERROR, ExitCode.USAGE, ExitCode.UNREACHABLE,
                ExitCode.NOT_FOUND, ExitCode.FAILED, ExitCode.CANCELLED, ExitCode.REJECTED);
        assertThat(ExitCode.HELP_FOOTER).contains(ExitCode.REFUSED + " refused by Kafka");
    }
}
