package dev.fmnist.inference.rest;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

/** The one mapping from a refusal's gRPC status to its HTTP status, and the JSON every refusal is. */
class RestErrorsTest {

    @Test
    void onlyAFullQueueIs429AndARequestThatCanNeverSucceedIs400() {
        assertThat(RestErrors.httpStatus(Status.Code.INVALID_ARGUMENT)).isEqualTo(400);
        assertThat(RestErrors.httpStatus(Status.Code.FAILED_PRECONDITION)).isEqualTo(400);
        assertThat(RestErrors.httpStatus(Status.Code.NOT_FOUND)).isEqualTo(404);
        assertThat(RestErrors.httpStatus(Status.Code.RESOURCE_EXHAUSTED)).isEqualTo(429);
        assertThat(RestErrors.httpStatus(Status.Code.UNAVAILABLE)).isEqualTo(503);
        assertThat(RestErrors.httpStatus(Status.Code.DEADLINE_EXCEEDED)).isEqualTo(504);
        assertThat(RestErrors.httpStatus(Status.Code.UNIMPLEMENTED)).isEqualTo(501);
        assertThat(RestErrors.httpStatus(Status.Code.INTERNAL)).isEqualTo(500);
    }

    @Test
    void refusalsAreJsonWithTheirMessage() {
        Response queueFull = RestErrors.of(Status.RESOURCE_EXHAUSTED.withDescription("inference queue is full")
                .asRuntimeException());
        assertThat(queueFull.getStatus()).isEqualTo(429);
        assertThat(queueFull.getMediaType().toString()).isEqualTo("application/json");
        assertThat(queueFull.getEntity()).isEqualTo("{\"error\":\"inference queue is full\"}");

        Response tooLarge = RestErrors.of(new RestErrors.Refusal(413, "body: \"too\" large"));
        assertThat(tooLarge.getStatus()).isEqualTo(413);
        assertThat(tooLarge.getEntity()).isEqualTo("{\"error\":\"body: \\\"too\\\" large\"}");
        assertThat(tooLarge.getHeaderString("Connection")).isEqualTo("close");
    }
}
