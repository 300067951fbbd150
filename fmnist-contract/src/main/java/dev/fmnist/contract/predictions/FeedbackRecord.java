package dev.fmnist.contract.predictions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.experiments.ContractJson;
import dev.fmnist.contract.fields.JsonFields;
import dev.fmnist.contract.fields.WireNames;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * The true class of one answered image, from the client that sent it or from a reviewer, on
 * {@code PREFIX.feedback} under the prediction's id: joined with {@link PredictionRecord}s by key, it
 * is what the live accuracy counts. One rule for a prediction labelled more than once: the first label
 * on the topic counts (the live accuracy and {@code fmnist feedback export} alike); later ones are repeats.
 *
 * @param predictionId the prediction labelled (the key)
 * @param label the true class, 0..9
 * @param source who says so: one of {@link #SOURCES}
 * @param by who in particular (a user, a review batch), optional: at most {@value #MAX_BY} printable characters
 * @param at when the label was given
 */
public record FeedbackRecord(String predictionId, int label, String source, String by, Instant at) {

    /** The client that sent the image, or a reviewer who looked at it later. */
    public static final List<String> SOURCES = List.of("client", "reviewer");
    public static final String CLIENT = "client";
    public static final String REVIEWER = "reviewer";
    public static final int MAX_BY = 100;
    public static final int MAX_JSON_BYTES = 2048;

    public FeedbackRecord {
        PredictionIds.requireValid(predictionId, "predictionId");
        if (label < 0 || label >= FashionMnist.CLASSES) {
            throw new IllegalArgumentException("label: must be between 0 and " + (FashionMnist.CLASSES - 1)
                    + ", got " + label);
        }
        if (source == null || !SOURCES.contains(source)) {
            throw new IllegalArgumentException("source: expected one of " + String.join(", ", SOURCES) + ", got "
                    + (source == null ? "none" : "'" + WireNames.echo(source) + "'"));
        }
        if (by != null) {
            if (by.length() > MAX_BY) {
                throw new IllegalArgumentException("by: at most " + MAX_BY + " characters, got " + by.length());
            }
            if (by.isBlank() || !by.codePoints().allMatch(FeedbackRecord::printable)) {
                throw new IllegalArgumentException("by: expected printable characters, got '" + WireNames.echo(by)
                        .replaceAll("\\p{Cntrl}", "?") + "'");
            }
        }
        if (at == null) {
            throw new IllegalArgumentException("at: required");
        }
    }

    private static boolean printable(int codePoint) {
        int type = Character.getType(codePoint);
        return !Character.isISOControl(codePoint) && type != Character.FORMAT && type != Character.UNASSIGNED
                && type != Character.SURROGATE && type != Character.PRIVATE_USE && type != Character.LINE_SEPARATOR
                && type != Character.PARAGRAPH_SEPARATOR;
    }

    /** A label given now. */
    public static FeedbackRecord of(String predictionId, int label, String source, String by) {
        return new FeedbackRecord(predictionId, label, source, by, Instant.now());
    }

    /** The label's class name, e.g. {@code Dress}. */
    public String labelName() {
        return FashionMnist.CLASS_NAMES[label];
    }

    /**
     * A label as a person writes it: its index ({@code 3}) or its class name in any case
     * ({@code dress}, {@code T-shirt/top}); anything else is refused naming {@code field}.
     */
    public static int parseLabel(String text, String field) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(field + ": required: a class index 0..9 or a class name ("
                    + String.join(", ", FashionMnist.CLASS_NAMES) + ")");
        }
        String wanted = text.strip();
        if (wanted.length() == 1 && wanted.charAt(0) >= '0' && wanted.charAt(0) <= '9') {
            return wanted.charAt(0) - '0';
        }
        for (int c = 0; c < FashionMnist.CLASSES; c++) {
            if (FashionMnist.CLASS_NAMES[c].toLowerCase(Locale.ROOT).equals(wanted.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException(field + ": expected a class index 0..9 or a class name ("
                + String.join(", ", FashionMnist.CLASS_NAMES) + "), got '" + WireNames.echo(wanted) + "'");
    }

    /** The record's JSON, as {@code ContractSchema.FEEDBACK} describes it; labelName is for people. */
    public byte[] toJson() {
        ObjectNode node = ContractJson.MAPPER.createObjectNode()
                .put("predictionId", predictionId)
                .put("label", label)
                .put("labelName", labelName())
                .put("source", source);
        if (by != null) {
            node.put("by", by);
        }
        node.put("at", at.toString());
        return ContractJson.write(node);
    }

    /**
     * Reads a record of the feedback topic; the key must be its prediction id, and a labelName, when
     * present, must name the label. Anything else is an {@link IllegalArgumentException} naming the field.
     */
    public static FeedbackRecord parse(String key, byte[] json) {
        JsonFields fields = JsonFields.object(json, MAX_JSON_BYTES,
                "{\"predictionId\":\"...\",\"label\":3,\"source\":\"client\",\"at\":\"...\"}");
        String predictionId = PredictionIds.keyOf(fields, key);
        int label = fields.integer("label", 0, FashionMnist.CLASSES - 1);
        String labelName = fields.text("labelName", false, 20);
        if (labelName != null && !labelName.equals(FashionMnist.CLASS_NAMES[label])) {
            throw new IllegalArgumentException("labelName: '" + labelName + "' is not the name of label " + label
                    + " (" + FashionMnist.CLASS_NAMES[label] + ")");
        }
        return new FeedbackRecord(predictionId, label, fields.text("source", true, 16), fields.text("by", false, MAX_BY),
                fields.instant("at"));
    }
}
