package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.experiments.RequestParser;
import dev.fmnist.contract.experiments.RequestRejectedException;
import dev.fmnist.engine.sweeps.SweepRunner.SweepOutcome;
import dev.fmnist.engine.sweeps.SweepRunner;
import dev.fmnist.trainer.metrics.TrainerMetrics;
import dev.fmnist.trainer.training.CancellationRegistry;
import dev.fmnist.trainer.training.ExperimentLedger;
import dev.fmnist.trainer.training.ExperimentRunner;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Takes requests from {@code fmnist.experiments}, one at a time, and acks each only after its terminal
 * event is on the broker, so its offset is committed only then (at-least-once; the ledger makes a
 * redelivered request that already ended a no-op).
 *
 * <p>Why a 30-minute run does not get this consumer thrown out of its group: training runs on a
 * worker thread (@Blocking), never on the connector's polling thread. While the one in-flight record
 * is unacked the connector has no demand, so it pauses the partitions and keeps calling poll(),
 * which keeps the member alive in the group (max.poll.interval.ms is about poll() calls, not about
 * acks); it resumes when the run is acked.
 */
@ApplicationScoped
public class ExperimentConsumer {

    private static final Logger LOG = Logger.getLogger(ExperimentConsumer.class);

    private final RequestParser parser = new RequestParser();

    @Inject
    ExperimentRunner runner;

    @Inject
    ExperimentLedger ledger;

    @Inject
    CancellationRegistry cancellations;

    @Inject
    EventPublisher events;

    @Inject
    DeadLetterPublisher deadLetters;

    @Inject
    ReportPublisher reports;

    @Inject
    TrainerMetrics metrics;

    @Incoming("experiments")
    @Blocking // ordered: one request after another
    public CompletionStage<Void> consume(Message<byte[]> message) {
        try {
            ledger.awaitReady();
            handle(message);
            return message.ack();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return message.nack(e);
        } catch (RuntimeException e) {
            // an event could not be written: the nack stops the channel (failure-strategy=fail) with the
            // offset uncommitted, so the request is redelivered after a restart rather than lost
            LOG.errorf(e, "request not processed; stopping intake so it is redelivered after a restart");
            return message.nack(e);
        }
    }

    private void handle(Message<byte[]> message) {
        IncomingKafkaRecordMetadata<?, ?> kafka = message.getMetadata(IncomingKafkaRecordMetadata.class).orElseThrow();
        String source = kafka.getTopic() + "-" + kafka.getPartition() + "@" + kafka.getOffset();
        ExperimentRequest request;
        try {
            request = parser.parse(message.getPayload());
        } catch (RequestRejectedException e) {
            // under the id its sender follows: the body's when it can be read, else the key
            String id = RequestParser.readableId(message.getPayload())
                    .orElse(kafka.getKey() != null ? kafka.getKey().toString() : "rejected-" + source);
            deadLetters.publish(id, message.getPayload(), e.field(), e.rule(), source);
            Optional<ExperimentEvent> ended = ledger.endOf(id);
            if (ended.isPresent()) {
                // the experiment already ended: no second terminal event, but nothing is dropped unseen
                LOG.warnf("request %s refused (%s: %s) after experiment %s ended %s; dead-lettered, no event",
                        source, e.field(), e.rule(), id, ended.get().type());
                metrics.duplicateSkipped();
                return;
            }
            runner.end(ExperimentEvent.builder(Type.REJECTED, id).rejected(e.field(), e.rule()).build());
            return;
        }
        Optional<ExperimentEvent> ended = ledger.endOf(request.experimentId());
        if (ended.isPresent()) {
            LOG.infof("experiment %s already ended (%s); not training it again", request.experimentId(),
                    ended.get().type());
            metrics.duplicateSkipped();
            return;
        }
        events.publish(ExperimentEvent.builder(Type.QUEUED, request.experimentId()).request(request, null).build());
        if (request.isSweep()) {
            runSweep(request);
        } else {
            runner.run(request, null);
        }
    }

    /** The engine runs the children, each with its own lifecycle; then the plot, the summary and the parent's end. */
    private void runSweep(ExperimentRequest sweep) {
        SweepOutcome outcome = new SweepRunner(child -> ledger.endOf(child.experimentId()),
                child -> runner.run(child, sweep.experimentId())).run(sweep);
        String reportKey = reports.publishSweepPlot(sweep, outcome.rows());
        events.publish(ExperimentEvent.builder(Type.SWEEP_SUMMARY, sweep.experimentId()).request(sweep, null)
                .summary(outcome.rows(), reportKey).build());
        runner.end(ExperimentEvent.builder(outcome.outcome(), sweep.experimentId()).request(sweep, null)
                .reason(outcome.reason()).build());
    }
}
