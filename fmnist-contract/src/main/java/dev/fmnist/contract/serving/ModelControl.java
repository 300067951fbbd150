package dev.fmnist.contract.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.experiments.ContractJson;
import dev.fmnist.contract.fields.WireNames;
import dev.fmnist.contract.networks.NetworkSpec;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The last word on what a served model runs, on {@code PREFIX.model-control} under the model's name:
 * pinned to one artefact version ({@code {"model":"better","pinned":"7daa286411a7",...}}) or following
 * the newest artefact (no {@code pinned}), and optionally a challenger served beside that champion, in
 * shadow or as a canary. Every inference replica applies the newest record of each model, so a fleet
 * changes together and a restarted replica comes back in the same state. The records kept (compaction
 * waits 30 days) are the model's decision history.
 *
 * @param model the served model's name, e.g. {@code better} or {@code compare-k3}
 * @param pinned the artefact version (or the experiment id that published it) to serve; null to follow the newest
 * @param reason why, as the operator or the command said it (for {@code fmnist models} and the logs)
 * @param at when it was written
 * @param challenger a version (or experiment id) served beside the champion; null: none
 * @param mode how the challenger is served; null exactly when there is no challenger
 * @param share SHADOW: the share of requests the challenger also scores; CANARY: the share it answers;
 *     in (0, 1] with a challenger, 0 without
 * @param decision what this record decided; null in records written before decisions were recorded
 * @param reasons why, one line each (at most {@value #MAX_REASONS} of {@value #MAX_REASON_LINE} characters); empty when none
 * @param by who decided: {@link #OPERATOR} or {@link #POLICY}; null in old records
 */
public record ModelControl(String model, String pinned, String reason, Instant at, String challenger,
        ChallengerMode mode, double share, ModelDecision decision, List<String> reasons, String by) {

    /** A name a client may send instead of a version: whatever the slot serves as its champion. */
    public static final String CHAMPION = "champion";
    /** A name a client may send instead of a version: the slot's challenger. */
    public static final String CHALLENGER = "challenger";
    /** The deciders: a person (through the CLI) or the promotion policy of the inference service. */
    public static final String OPERATOR = "operator";
    public static final String POLICY = "policy";
    public static final List<String> DECIDERS = List.of(OPERATOR, POLICY);
    public static final int MAX_REASONS = 20;
    public static final int MAX_REASON_LINE = 300;
    /** A record at its largest is about 8 KiB; a bigger one is refused unread. */
    public static final int MAX_JSON_BYTES = 64 * 1024;

    /** Artefact versions are 12 hex digits; experiment ids are short and printable. */
    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final int MAX_REASON = 500;

    public ModelControl {
        NetworkSpec.fromServingName(model); // names the model or throws
        if (pinned != null && !VERSION.matcher(pinned).matches()) {
            throw new IllegalArgumentException("pinned: expected an artefact version or experiment id (letters, digits, "
                    + "'.', '_', ':', '-', at most 128), got '" + WireNames.echo(pinned) + "'");
        }
        if (reason != null && reason.length() > MAX_REASON) {
            throw new IllegalArgumentException("reason: at most " + MAX_REASON + " characters, got " + reason.length());
        }
        if (at == null) {
            throw new IllegalArgumentException("at: required");
        }
        if (challenger != null) {
            if (!VERSION.matcher(challenger).matches()) {
                throw new IllegalArgumentException("challenger: expected an artefact version or experiment id "
                        + "(letters, digits, '.', '_', ':', '-', at most 128), got '" + WireNames.echo(challenger) + "'");
            }
            if (mode == null) {
                throw new IllegalArgumentException("mode: required with a challenger (" + WireNames.spellings(
                        ChallengerMode.values()) + ")");
            }
            if (!(share > 0 && share <= 1)) { // NaN fails too
                throw new IllegalArgumentException("share: must be above 0 and at most 1 with a challenger, got "
                        + share);
            }
        } else {
            if (mode != null) {
                throw new IllegalArgumentException("mode: " + mode.wire() + " without a challenger");
            }
            if (share != 0) {
                throw new IllegalArgumentException("share: " + share + " without a challenger");
            }
        }
        reasons = reasons == null ? List.of() : List.copyOf(reasons); // refuses null elements
        if (reasons.size() > MAX_REASONS) {
            throw new IllegalArgumentException("reasons: at most " + MAX_REASONS + ", got " + reasons.size());
        }
        for (int i = 0; i < reasons.size(); i++) {
            if (reasons.get(i).length() > MAX_REASON_LINE) {
                throw new IllegalArgumentException("reasons: [" + i + "] has " + reasons.get(i).length()
                        + " characters, at most " + MAX_REASON_LINE);
            }
        }
        if (by != null && !DECIDERS.contains(by)) {
            throw new IllegalArgumentException("by: expected one of " + String.join(", ", DECIDERS) + ", got '"
                    + WireNames.echo(by) + "'");
        }
    }

    /** A record as written before challengers and decisions: no challenger, no decision. */
    public ModelControl(String model, String pinned, String reason, Instant at) {
        this(model, pinned, reason, at, null, null, 0, null, List.of(), null);
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

    /** The challenger's version (or experiment id), when one is served beside the champion. */
    public Optional<String> challengerVersion() {
        return Optional.ofNullable(challenger);
    }

    /**
     * This record's champion with {@code version} as its challenger (null: none, then mode must be null
     * and share 0), decided now by {@code by} for {@code reasons}.
     */
    public ModelControl withChallenger(String version, ChallengerMode mode, double share, ModelDecision decision,
            List<String> reasons, String by) {
        return decided(model, pinned, version, mode, share, decision, reasons, by);
    }

    /** A decision made now: {@code reason} is the reasons joined, cut to 500 characters. */
    public static ModelControl decided(String model, String pinned, String challenger, ChallengerMode mode,
            double share, ModelDecision decision, List<String> reasons, String by) {
        List<String> lines = reasons == null ? List.of() : reasons;
        String joined = String.join("; ", lines);
        String reason = joined.isEmpty() ? null
                : joined.length() <= MAX_REASON ? joined : joined.substring(0, MAX_REASON - 3) + "...";
        return new ModelControl(model, pinned, reason, Instant.now(), challenger, mode, share, decision, lines, by);
    }

    /**
     * Reads a record of the control topic; the key must be the model it names. Anything else is an
     * {@link IllegalArgumentException} naming the field.
     */
    public static ModelControl parse(String key, byte[] json) {
        if (json == null) {
            throw new IllegalArgumentException("value: a tombstone; expected a model-control record");
        }
        if (json.length > MAX_JSON_BYTES) {
            throw new IllegalArgumentException("value: " + json.length + " bytes, at most " + MAX_JSON_BYTES);
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
        String challenger = text(node, "challenger", false);
        String mode = text(node, "mode", false);
        JsonNode share = node.get("share");
        if (share != null && !share.isNull() && !share.isNumber()) {
            throw new IllegalArgumentException("share: expected a number, got " + share.getNodeType());
        }
        String decision = text(node, "decision", false);
        return new ModelControl(model, text(node, "pinned", false), text(node, "reason", false), at, challenger,
                mode == null ? null : ChallengerMode.parse(mode, "mode"),
                share == null || share.isNull() ? 0 : share.doubleValue(),
                decision == null ? null : ModelDecision.parse(decision, "decision"),
                reasons(node.get("reasons")), text(node, "by", false));
    }

    private static List<String> reasons(JsonNode value) {
        if (value == null || value.isNull()) {
            return List.of();
        }
        if (!value.isArray()) {
            throw new IllegalArgumentException("reasons: expected an array of strings, got " + value.getNodeType());
        }
        if (value.size() > MAX_REASONS) {
            throw new IllegalArgumentException("reasons: at most " + MAX_REASONS + ", got " + value.size());
        }
        List<String> reasons = new ArrayList<>(value.size());
        for (int i = 0; i < value.size(); i++) {
            if (!value.get(i).isTextual()) {
                throw new IllegalArgumentException("reasons: [" + i + "] expected a string, got "
                        + value.get(i).getNodeType());
            }
            reasons.add(value.get(i).asText());
        }
        return reasons;
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
        if (challenger != null) {
            node.put("challenger", challenger).put("mode", mode.wire()).put("share", share);
        }
        if (decision != null) {
            node.put("decision", decision.wire());
        }
        if (!reasons.isEmpty()) {
            reasons.forEach(node.putArray("reasons")::add);
        }
        if (by != null) {
            node.put("by", by);
        }
        try {
            return ContractJson.MAPPER.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
