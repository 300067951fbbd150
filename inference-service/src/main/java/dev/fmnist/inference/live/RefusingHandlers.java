package dev.fmnist.inference.live;

import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Kafka Streams' handlers for a record that cannot be read (on an internal topic or store) or whose
 * processing throws: reported as refused and skipped, so one bad record never stops the stream
 * thread. Streams makes them by class name and hands them its configuration, where
 * {@link #REFUSALS} carries the {@link LiveAccuracyTopology.Refusals} to report to.
 */
final class RefusingHandlers {

    /** The configuration entry that holds the {@link LiveAccuracyTopology.Refusals}. */
    static final String REFUSALS = "fmnist.live.refusals";
    /** The {@code reason} of a record the processor failed on. */
    static final String FAILED = "failed";

    private RefusingHandlers() {}

    private static LiveAccuracyTopology.Refusals refusals(Map<String, ?> configs) {
        Object refusals = configs.get(REFUSALS);
        if (!(refusals instanceof LiveAccuracyTopology.Refusals r)) {
            throw new IllegalArgumentException(REFUSALS + ": expected the processor's refusal counter, got " + refusals);
        }
        return r;
    }

    /** A record no deserializer of the topology can read: skipped. */
    public static final class Deserialization implements DeserializationExceptionHandler {
        private LiveAccuracyTopology.Refusals refusals;

        @Override
        public void configure(Map<String, ?> configs) {
            refusals = refusals(configs);
        }

        @Override
        public DeserializationHandlerResponse handle(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                Exception exception) {
            refusals.refused(record.topic(), LiveAccuracyTopology.INVALID, exception.getMessage());
            return DeserializationHandlerResponse.CONTINUE;
        }
    }

    /** A record a step of the topology threw on: skipped. */
    public static final class Processing implements ProcessingExceptionHandler {
        private LiveAccuracyTopology.Refusals refusals;

        @Override
        public void configure(Map<String, ?> configs) {
            refusals = refusals(configs);
        }

        @Override
        public ProcessingHandlerResponse handle(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
            refusals.refused(context.topic() == null ? "" : context.topic(), FAILED,
                    exception.getClass().getSimpleName() + ": " + exception.getMessage());
            return ProcessingHandlerResponse.CONTINUE;
        }
    }
}
