package dev.fmnist.inference.predictions;

import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.contract.predictions.PredictionIds;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A feedback label as a client sends it (gRPC FeedbackRequest, REST {@code POST /v2/feedback}), made
 * the contract's {@link FeedbackRecord}: the API's field names in every refusal, INVALID_ARGUMENT (400).
 */
public final class FeedbackRequests {

    private FeedbackRequests() {}

    /**
     * The record of a label given now; {@code label} an index or a class name, {@code source} empty for
     * {@value FeedbackRecord#CLIENT}, {@code by} empty for none.
     */
    public static FeedbackRecord record(String predictionId, String label, String source, String by) {
        try {
            String id = PredictionIds.requireValid(predictionId == null || predictionId.isEmpty() ? null : predictionId,
                    "prediction_id");
            int index = FeedbackRecord.parseLabel(label, "label");
            return FeedbackRecord.of(id, index, source == null || source.isEmpty() ? FeedbackRecord.CLIENT : source,
                    by == null || by.isEmpty() ? null : by);
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    static StatusRuntimeException invalid(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }
}
