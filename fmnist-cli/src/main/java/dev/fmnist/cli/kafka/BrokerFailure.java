package dev.fmnist.cli.kafka;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * A Kafka call that failed, as the CLI reports it: a broker that refused this client (its login, or
 * an ACL) is told apart from one out of reach, since waiting or restarting mends only the second.
 */
final class BrokerFailure {

    /** Where the operator finds which principal may read and write each topic. */
    static final String ACL_DOCS = "docs/operating/kafka.md";
    /** Where a cluster's failover and replicas are described. */
    static final String CLUSTER_DOCS = "docs/operating/kafka.md#kafka-beyond-one-broker";
    /** Where the client's SASL/SSL variables are described. */
    static final String SECURITY_DOCS = "docs/operating/security.md";
    /** How deep to look through wrapping exceptions (a cycle of causes must not loop forever). */
    private static final int MAX_CAUSES = 16;

    /** What the client was doing: the verb of "not authorized to ... topic". */
    enum Access {
        READ("read", "reading"), WRITE("write", "writing to");

        private final String verb;
        private final String gerund;

        Access(String verb, String gerund) {
            this.verb = verb;
            this.gerund = gerund;
        }
    }

    private BrokerFailure() {}

    /**
     * {@code failure} (as thrown, or wrapped in an {@link ExecutionException} or another exception) from
     * {@code access} of {@code topics} on the broker at {@code bootstrap}: exit {@link ExitCode#REFUSED} for
     * an authentication or authorization error, else {@link ExitCode#UNREACHABLE}. {@code reached}: a
     * broker had answered (the topics' partitions were known), so what timed out was waiting for a
     * partition's leader or in-sync replicas, {@link Broker#LEADER_FAILOVER} longer than the reach.
     */
    static CliException of(Throwable failure, String bootstrap, int timeoutSeconds, Access access, List<String> topics,
            boolean reached) {
        int depth = 0;
        for (Throwable cause = failure; cause != null && depth < MAX_CAUSES; cause = cause.getCause(), depth++) {
            if (cause instanceof AuthorizationException refused) {
                return new CliException(ExitCode.REFUSED, "Kafka at " + bootstrap + " refused this client: "
                        + notAuthorized(refused, access, topics) + " (" + refused.getClass().getSimpleName()
                        + "); ask an operator for the ACL (" + ACL_DOCS + ")", refused);
            }
            if (cause instanceof AuthenticationException refused) {
                String check = refused instanceof SslAuthenticationException
                        ? "KAFKA_SECURITY_PROTOCOL, KAFKA_SSL_TRUSTSTORE_LOCATION and KAFKA_SSL_TRUSTSTORE_PASSWORD"
                        : "KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_MECHANISM and KAFKA_SASL_JAAS_CONFIG";
                return new CliException(ExitCode.REFUSED, "Kafka at " + bootstrap + " refused this client: "
                        + "authentication failed: " + refused.getMessage() + " (" + refused.getClass().getSimpleName()
                        + "); check " + check + " (" + SECURITY_DOCS + ")", refused);
            }
        }
        Throwable cause = failure instanceof ExecutionException && failure.getCause() != null ? failure.getCause() : failure;
        if (reached) {
            return new CliException(ExitCode.UNREACHABLE, "Kafka at " + bootstrap + " answered, but " + access.gerund
                    + " " + String.join(", ", topics) + " did not complete within "
                    + (timeoutSeconds + Broker.LEADER_FAILOVER.toSeconds()) + " s (" + cause.getClass().getSimpleName()
                    + "): a partition without a leader, or fewer in-sync replicas than the topic's min.insync.replicas; "
                    + "check the brokers ('deploy/kafka/kafka.sh status', " + CLUSTER_DOCS + ")", cause);
        }
        return new CliException(ExitCode.UNREACHABLE, "cannot reach Kafka at " + bootstrap + " within " + timeoutSeconds
                + " s (" + cause.getClass().getSimpleName() + "); start it with 'bin/up' or "
                + "'deploy/kafka/kafka.sh start', or point --bootstrap-servers at it", cause);
    }

    private static String notAuthorized(AuthorizationException refused, Access access, List<String> topics) {
        if (refused instanceof TopicAuthorizationException topic) {
            // the broker names the topics it refused; a client-side refusal may not
            Collection<String> named = new TreeSet<>(topic.unauthorizedTopics().isEmpty() ? topics : topic.unauthorizedTopics());
            return "not authorized to " + access.verb + (named.size() == 1 ? " topic " : " topics ") + String.join(", ", named);
        }
        if (refused instanceof GroupAuthorizationException group) {
            return group.groupId() == null ? "not authorized for a consumer group: " + group.getMessage()
                    : "not authorized to use consumer group " + group.groupId();
        }
        if (refused instanceof ClusterAuthorizationException) {
            return "not authorized for a cluster operation: " + refused.getMessage();
        }
        return "not authorized: " + refused.getMessage();
    }
}
