package dev.fmnist.contract.experiments;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * A message on the control topic, keyed by experiment id: {@code {"type":"cancel","experimentId":"..."}}.
 * A cancel stops a running experiment at its next batch; a queued one ends CANCELLED when its turn
 * comes; cancelling a sweep cancels its children.
 *
 * @param type what to do; {@value #CANCEL} is the only command
 * @param experimentId the experiment it applies to
 */
public record ControlCommand(String type, String experimentId) {

    public static final String CANCEL = "cancel";

    public static ControlCommand cancel(String experimentId) {
        return new ControlCommand(CANCEL, experimentId);
    }

    /** Reads and checks a control message; anything else is an {@link IllegalArgumentException} saying what. */
    public static ControlCommand parse(byte[] json) {
        JsonNode node;
        try {
            node = ContractJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected {\"type\":\"cancel\",\"experimentId\":\"...\"}");
        }
        if (!CANCEL.equals(node.path("type").asText())) {
            throw new IllegalArgumentException("type: must be \"" + CANCEL + "\", got " + node.path("type"));
        }
        String id = node.path("experimentId").asText("");
        if (!node.path("experimentId").isTextual() || id.isBlank()) {
            throw new IllegalArgumentException("experimentId: required, a non-empty string");
        }
        return cancel(id);
    }

    public byte[] toJson() {
        return ContractJson.write(this);
    }
}
