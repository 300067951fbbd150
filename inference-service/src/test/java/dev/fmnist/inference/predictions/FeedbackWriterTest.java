package dev.fmnist.inference.predictions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionIds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The feedback writer's permits while the broker does not answer: a label the producer never
 * acknowledges is refused UNAVAILABLE at its timeout, and its permit is held until the producer is done
 * with it (its delivery timeout), then returned, so later labels are taken again; labels queued behind
 * a producer waiting for metadata are skipped once their callers gave up. The "broker" is Kafka's
 * MockProducer, which acknowledges only when told: this is about the permits, not about Kafka (the
 * writer on the real broker is PredictionLogTest's).
 */
class FeedbackWriterTest {

    private static final String TOPIC = "test.feedback";
    /** Long enough that the test hands a label to the producer before its caller gives up on it. */
    private static final Duration SHORT = Duration.ofSeconds(1);
    /** Far longer than a test: an answer that must not time out before the producer says what it did. */
    private static final Duration LONG = Duration.ofMinutes(5);

    private final Node node = new Node(0, "localhost", 9092);
    private final MockProducer<String, byte[]> producer = new MockProducer<>(new Cluster("test", List.of(node),
            List.of(new PartitionInfo(TOPIC, 0, node, new Node[] {node}, new Node[] {node})), Set.of(), Set.of()),
            false, null, new StringSerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ManualSender sender = new ManualSender();
    private FeedbackWriter writer;

    /** The writer's sender thread, run by the test one task at a time: what the writer has sent is known. */
    private static final class ManualSender extends AbstractExecutorService {
        private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
        private boolean shutdown;

        @Override
        public synchronized void execute(Runnable task) {
            if (shutdown) {
                throw new RejectedExecutionException("shut down");
            }
            tasks.add(task);
        }

        /** Runs the oldest waiting task on this thread. */
        void runNext() {
            Runnable task;
            synchronized (this) {
                task = tasks.poll();
            }
            assertThat(task).as("a task waiting for the sender").isNotNull();
            task.run();
        }

        synchronized int waiting() {
            return tasks.size();
        }

        @Override
        public synchronized void shutdown() {
            shutdown = true;
        }

        @Override
        public synchronized List<Runnable> shutdownNow() {
            shutdown = true;
            List<Runnable> left = List.copyOf(tasks);
            tasks.clear();
            return left;
        }

        @Override
        public synchronized boolean isShutdown() {
            return shutdown;
        }

        @Override
        public synchronized boolean isTerminated() {
            return shutdown && tasks.isEmpty();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return isTerminated();
        }
    }

    private FeedbackWriter writer(Duration timeout, int maxInFlight) {
        writer = new FeedbackWriter(producer, sender, TOPIC, timeout, maxInFlight, new PredictionMetrics(registry));
        return writer;
    }

    @AfterEach
    void close() {
        if (writer != null) {
            writer.close();
        }
    }

    private static FeedbackRecord label(int label) {
        return FeedbackRequests.record(PredictionIds.newRequestId(), Integer.toString(label), "client", "");
    }

    /** How {@code stage} failed, as the gRPC and REST front ends see it (through Mutiny, as they take it). */
    private static Throwable failure(CompletionStage<FeedbackRecord> stage) {
        return catchThrowable(() -> Uni.createFrom().completionStage(stage).await().atMost(Duration.ofSeconds(30)));
    }

    private static void assertRefused(Throwable failure, Status.Code code, String description) {
        // a StatusRuntimeException itself, not wrapped: what the REST resource maps to 503 / 429
        assertThat(failure).isInstanceOf(StatusRuntimeException.class);
        Status status = Status.fromThrowable(failure);
        assertThat(status.getCode()).isEqualTo(code);
        assertThat(status.getDescription()).contains(description);
    }

    private double received() {
        return registry.get("fmnist.feedback.received").tag("source", "client").counter().count();
    }

    @Test
    void aLabelTheBrokerNeverAcknowledgesIsUnavailableAndItsPermitReturnsWhenTheProducerGivesUp() {
        writer(SHORT, 1);
        CompletionStage<FeedbackRecord> unacknowledged = writer.write(label(3));
        sender.runNext();
        assertThat(producer.history()).as("handed to the producer").hasSize(1);

        assertRefused(failure(unacknowledged), Status.Code.UNAVAILABLE,
                "feedback: not recorded: the broker did not acknowledge it within 1000 ms; retry");
        // the producer still holds it (its delivery timeout is the same, counted from a little later)
        assertThat(writer.inFlight()).isEqualTo(1);
        assertRefused(failure(writer.write(label(4))), Status.Code.RESOURCE_EXHAUSTED,
                "feedback: 1 labels already wait for the broker");
        assertThat(sender.waiting()).as("a refused label is never queued").isZero();

        // the producer's delivery timeout: it is done with the label, and its permit is back
        assertThat(producer.errorNext(new TimeoutException("Expiring 1 record(s) for " + TOPIC + "-0"))).isTrue();
        assertThat(writer.inFlight()).isZero();
        assertThat(received()).isZero();

        // the broker is back: the next label is taken, written and counted
        FeedbackRecord next = label(5);
        CompletionStage<FeedbackRecord> written = writer.write(next);
        sender.runNext();
        assertThat(producer.completeNext()).isTrue();
        assertThat(written.toCompletableFuture().join()).isEqualTo(next);
        assertThat(producer.history().get(1).key()).isEqualTo(next.predictionId());
        assertThat(writer.inFlight()).isZero();
        assertThat(received()).isEqualTo(1);
    }

    @Test
    void aLabelTheProducerCannotSendIsUnavailableWithItsReasonAndReleasedAtOnce() {
        writer(LONG, 1);
        // no metadata for the topic within max.block.ms (the broker unreachable): send itself throws
        producer.sendException = new TimeoutException("Topic " + TOPIC + " not present in metadata after 200 ms.");
        CompletionStage<FeedbackRecord> unsent = writer.write(label(1));
        sender.runNext();
        assertRefused(failure(unsent), Status.Code.UNAVAILABLE, "not present in metadata after 200 ms");
        assertThat(writer.inFlight()).isZero();

        producer.sendException = null;
        CompletionStage<FeedbackRecord> written = writer.write(label(2));
        sender.runNext();
        assertThat(producer.completeNext()).isTrue();
        assertThat(written.toCompletableFuture().join().label()).isEqualTo(2);
        assertThat(writer.inFlight()).isZero();
    }

    @Test
    void labelsWhoseCallersGaveUpWhileQueuedAreNotSentAndTheirPermitsReturn() {
        writer(SHORT, 2);
        // the sender is busy (a send waiting for metadata): two labels wait in its queue past their timeout
        CompletionStage<FeedbackRecord> first = writer.write(label(1));
        CompletionStage<FeedbackRecord> second = writer.write(label(2));
        assertRefused(failure(first), Status.Code.UNAVAILABLE, "did not acknowledge it within 1000 ms");
        assertRefused(failure(second), Status.Code.UNAVAILABLE, "did not acknowledge it within 1000 ms");
        assertThat(writer.inFlight()).isEqualTo(2);
        assertRefused(failure(writer.write(label(3))), Status.Code.RESOURCE_EXHAUSTED,
                "feedback: 2 labels already wait for the broker");

        // the sender gets to them: nobody waits for them any more, so they are dropped, not sent
        sender.runNext();
        sender.runNext();
        assertThat(producer.history()).isEmpty();
        assertThat(writer.inFlight()).isZero();

        CompletionStage<FeedbackRecord> written = writer.write(label(4));
        sender.runNext();
        assertThat(producer.completeNext()).isTrue();
        assertThat(written.toCompletableFuture().join().label()).isEqualTo(4);
        assertThat(producer.history()).singleElement().satisfies(r -> assertThat(r.topic()).isEqualTo(TOPIC));
        assertThat(writer.inFlight()).isZero();
    }
}
