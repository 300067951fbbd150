package dev.fmnist.contract.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.experiments.ContractJson;
import dev.fmnist.contract.networks.NetworkSpec;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The last word on what a served model runs, on {@code PREFIX.model-control} under the model's name:
 * pinned to one artefact version ({@code {"model":"better","pinned":"7daa286411a7",...}}) or following
 * the newest artefact (no {@code pinned}). Every inference replica applies the newest record of each
 * model, so a fleet changes together and a restarted replica comes back in the same state.
 *
 * @param model the served model's name, e.g. {@code better} or {@code compare-k3}
 * @param pinned the artefact version (or the experiment id that published it) to serve; null to follow the newest
 * @param reason why, as the operator or the command said it (for {@code fmnist models} and the logs)
 * @param at when it was written
 */
public record ModelControl(String model, String pinned, String reason, Instant at) {

    /** Artefact versions are 12 hex digits; experiment ids are short and printable. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final int MAX_REASON = 500;

    public ModelControl {
        NetworkSpec.fromServingName(model); // names the model or throws
        if (pinned != null && !VERSION.matcher(pinned).matches()) {
            throw new IllegalArgumentException("pinned: expected an artefact version or experiment id (letters, digits, "
                    + "'.', '_', ':', '-', at most 128), got '" + pinned + "'");
        }
        if (reason != null && reason.length() > MAX_REASON) {
            throw new IllegalArgumentException("reason: at most " + MAX_REASON + " characters, got " + reason.length());
        }
        if (at == null) {
            throw new IllegalArgumentException("at: required");
        }
    }

    public static ModelControl pin(String model, String version, String reason) {
        return new ModelControl(model, version, reason, Instant.now());
    }

    public static ModelControl followNewest(String model, String reason) {
        return new ModelControl(model, null, reason, Instant.now());
    }

    public Optional<String> pinnedVersion() {
        return Optional.ofNullable(pinned);
    }

    /**
     * Reads a record of the control topic; the key must be the model it names. Anything else is an
     * {@link IllegalArgumentException} naming the field.
     */
    public static ModelControl parse(String key, byte[] json) {
        if (json == null) {
            throw new IllegalArgumentException("value: a tombstone; expected a model-control record");
        }
        JsonNode node;
        try {
            node = ContractJson.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("expected {\"model\":\"better\",\"pinned\":\"VERSION\",\"at\":\"...\"}");
        }
        String model = text(node, "model", true);
        if (!model.equals(key)) {
            throw new IllegalArgumentException("model: '" + model + "' under the key '" + key + "'; they must agree");
        }
        Instant at;
        try {
            at = Instant.parse(text(node, "at", true));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("at: not an ISO-8601 instant: " + node.get("at"));
        }
        return new ModelControl(model, text(node, "pinned", false), text(node, "reason", false), at);
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new IllegalArgumentException(field + ": required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(field + ": expected a string, got " + value.getNodeType());
        }
        return value.asText();
    }

    public byte[] toJson() {
        ObjectNode node = ContractJson.MAPPER.createObjectNode().put("model", model);
        if (pinned != null) {
            node.put("pinned", pinned);
        }
        if (reason != null) {
            node.put("reason", reason);
        }
        node.put("at", at.toString());
        try {
            return ContractJson.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
