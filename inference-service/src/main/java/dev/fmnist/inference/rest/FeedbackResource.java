package dev.fmnist.inference.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.contract.predictions.FeedbackRecord;
import dev.fmnist.inference.predictions.FeedbackRequests;
import dev.fmnist.inference.predictions.FeedbackWriter;
import io.grpc.StatusRuntimeException;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * {@code POST /v2/feedback}: a label for a prediction, as gRPC's Feedback takes it, in JSON:
 * {@code {"prediction_id": "...", "label": "Dress" or 3, "source": "client", "by": "..."}}. 200 with the
 * record written once the broker has it; 400 naming the field for anything invalid; 429 while too
 * many labels wait for the broker; 503 when it did not take this one in time.
 */
@Path("/v2/feedback")
public class FeedbackResource {

    /** A label's body is a few dozen bytes; far above that is no label. */
    static final int MAX_BODY_BYTES = 4096;
    static final List<String> FIELDS = List.of("prediction_id", "label", "source", "by");

    @Inject
    FeedbackWriter writer;

    /** On a worker thread: the body is read whole (bounded, decoded as any other body on this port). */
    @POST
    @Blocking
    public Uni<Response> feedback(@HeaderParam(RequestBodies.CONTENT_ENCODING) String encoding, InputStream body) {
        return Uni.createFrom().deferred(() -> {
            JsonNode json = object(RequestBodies.read(body, encoding, MAX_BODY_BYTES));
            FeedbackRecord record = FeedbackRequests.record(text(json, "prediction_id"), label(json.get("label")),
                    text(json, "source"), text(json, "by"));
            return Uni.createFrom().completionStage(writer.write(record))
                    .map(written -> Response.ok(written.toJson(), MediaType.APPLICATION_JSON).build());
        }).onFailure(e -> e instanceof StatusRuntimeException || e instanceof RestErrors.Refusal)
                .recoverWithItem(RestErrors::of);
    }

    private static JsonNode object(byte[] bytes) {
        JsonNode json;
        try {
            json = KServeJson.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw KServeJson.invalid("body: not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw KServeJson.invalid("body: unreadable: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw KServeJson.invalid("body: expected a JSON object with " + String.join(", ", FIELDS));
        }
        json.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                throw KServeJson.invalid(field + ": unknown field (expected " + String.join(", ", FIELDS) + ")");
            }
        });
        return json;
    }

    /** A string field, or empty when absent or null. */
    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        if (value == null || value.isNull()) {
            return "";
        }
        if (!value.isTextual()) {
            throw KServeJson.invalid(field + ": expected a string, got " + value.getNodeType());
        }
        return value.textValue();
    }

    /** The label as a class index (a JSON integer) or a class name (a string); its text, for the one parser. */
    private static String label(JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        if (value.isIntegralNumber()) {
            // an index out of 0..9 becomes text the parser refuses, naming the field and what it got
            return value.canConvertToInt() ? Integer.toString(value.intValue()) : value.asText();
        }
        if (!value.isTextual()) {
            throw KServeJson.invalid("label: expected a class index 0..9 or a class name, got " + value.getNodeType());
        }
        return value.textValue();
    }
}
