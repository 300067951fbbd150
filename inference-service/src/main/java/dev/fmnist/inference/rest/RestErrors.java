package dev.fmnist.inference.rest;

import io.grpc.Status;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Every refusal on the REST port as Triton's {@code {"error": "..."}}, and the one mapping from a
 * refusal's gRPC status (what the shared beans throw, and what gRPC clients get) to its HTTP status:
 *
 * <pre>
 * INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE  400  the request can never succeed as sent
 *                                                            (a batch over max-batch, too many values too)
 * NOT_FOUND                                            404  unknown model or version
 * RESOURCE_EXHAUSTED                                   429  the queue is full: try again later
 * UNAVAILABLE                                          503  no version loaded yet, shutting down
 * DEADLINE_EXCEEDED                                    504  a load not applied in time
 * UNIMPLEMENTED                                        501
 * anything else                                        500
 * </pre>
 *
 * Refusals of the HTTP layer itself ({@link Refusal}: 413 body too large, 415 unknown encoding; 404
 * and 405 for routes) have no gRPC counterpart and carry their HTTP status.
 */
final class RestErrors {

    private RestErrors() {}

    /** A refusal made on the REST port only, with its HTTP status. */
    static final class Refusal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;

        Refusal(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** The HTTP status of a refusal with this gRPC status. */
    static int httpStatus(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
            case PERMISSION_DENIED -> 403;
            case NOT_FOUND -> 404;
            case RESOURCE_EXHAUSTED -> 429;
            case UNAVAILABLE -> 503;
            case DEADLINE_EXCEEDED -> 504;
            case UNIMPLEMENTED -> 501;
            default -> 500;
        };
    }

    /** {@code failure} as {@code {"error": ...}}: a {@link Refusal} with its status, else by its gRPC status. */
    static Response of(Throwable failure) {
        if (failure instanceof Refusal refusal) {
            return of(refusal.status(), refusal.getMessage());
        }
        Status status = Status.fromThrowable(failure);
        String message = status.getDescription() != null ? status.getDescription()
                : failure.getMessage() != null ? failure.getMessage() : status.getCode().name();
        return of(httpStatus(status.getCode()), message);
    }

    static Response of(int status, String message) {
        Response.ResponseBuilder response = Response.status(status).type(MediaType.APPLICATION_JSON).entity(json(message));
        if (status == 413) {
            response.header("Connection", "close"); // the rest of the body is not read
        }
        return response.build();
    }

    /** {@code {"error": message}}. */
    static String json(String message) {
        return KServeJson.MAPPER.createObjectNode().put("error", message).toString();
    }
}
