package dev.fmnist.inference.metrics;

/**
 * Why a request addressed to a served model failed: the {@code reason} label of
 * {@code nv_inference_request_failure}, with the values Triton gives it.
 */
public enum FailureReason {
    /** Refused by the scheduler: the batching queue was full. */
    REJECTED,
    /** Cancelled before it was answered (not detected here yet: stays 0, as Triton exposes it). */
    CANCELED,
    /** The forward pass failed. */
    BACKEND,
    /** Refused before it reached the model: the request itself was wrong (shape, datatype, pixels, image). */
    OTHER
}
