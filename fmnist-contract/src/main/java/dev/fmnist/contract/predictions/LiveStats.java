package dev.fmnist.contract.predictions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.experiments.ContractJson;
import dev.fmnist.contract.fields.JsonFields;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * What the live-accuracy processor knows of one model version, on the compacted
 * {@code PREFIX.live-accuracy} under {@link #key}: how many answers it gave and of which classes, how
 * many of them got a label and how many of those were right, and, for a challenger in shadow, how often
 * it agreed with the champion. The counts must add up ({@code predicted} sums to all answers, the
 * confusion matrix to {@code labelled}, its diagonal to {@code correct}); a forged record that does not
 * is refused.
 *
 * @param model the served model's name
 * @param version the artefact version (12 hex digits)
 * @param predictions answers this version gave to clients (served and canary)
 * @param shadowPredictions answers it computed in shadow
 * @param predicted per predicted class, over all its answers; {@link FashionMnist#CLASSES} counts
 * @param labelled its answers (any role) that got a label
 * @param correct how many of those were right
 * @param confusion {@code [label][predicted]} over the labelled answers, 10x10
 * @param recent the last at most {@value #RECENT_MAX} labelled outcomes, oldest first: '1' right, '0' wrong
 * @param comparedWith the served version its latest shadow answers were compared with, or null
 * @param compared shadow answers compared with comparedWith's
 * @param agreed how many of those agreed
 * @param updatedAt the newest event folded in ({@link Instant#EPOCH} when none)
 */
public record LiveStats(
        String model,
        String version,
        long predictions,
        long shadowPredictions,
        long[] predicted,
        long labelled,
        long correct,
        long[][] confusion,
        String recent,
        String comparedWith,
        long compared,
        long agreed,
        Instant updatedAt) {

    public static final int RECENT_MAX = 1000;
    /** A record with every count at its longest is about 3 KiB. */
    public static final int MAX_JSON_BYTES = 16 * 1024;
    /** 2^53: exact in every JSON reader, and a sum of a hundred of them cannot overflow a long. */
    public static final long MAX_COUNT = 1L << 53;
    private static final int CLASSES = FashionMnist.CLASSES;

    public LiveStats {
        Versions.requireModel(model, "model");
        Versions.requireVersion(version, "version");
        requireCount(predictions, "predictions");
        requireCount(shadowPredictions, "shadowPredictions");
        if (predicted == null || predicted.length != CLASSES) {
            throw new IllegalArgumentException("predicted: expected " + CLASSES + " counts, got "
                    + (predicted == null ? "none" : predicted.length));
        }
        predicted = predicted.clone();
        long answers = 0;
        for (int c = 0; c < CLASSES; c++) {
            requireCount(predicted[c], "predicted[" + c + "]");
            answers += predicted[c];
        }
        if (answers != predictions + shadowPredictions) {
            throw new IllegalArgumentException("predicted: sums to " + answers + ", but predictions + shadowPredictions "
                    + "is " + (predictions + shadowPredictions));
        }
        requireCount(labelled, "labelled");
        requireCount(correct, "correct");
        if (correct > labelled) {
            throw new IllegalArgumentException("correct: " + correct + " is more than labelled (" + labelled + ")");
        }
        if (confusion == null || confusion.length != CLASSES) {
            throw new IllegalArgumentException("confusion: expected " + CLASSES + " rows, got "
                    + (confusion == null ? "none" : confusion.length));
        }
        long[][] copy = new long[CLASSES][];
        long cells = 0;
        long diagonal = 0;
        for (int label = 0; label < CLASSES; label++) {
            if (confusion[label] == null || confusion[label].length != CLASSES) {
                throw new IllegalArgumentException("confusion[" + label + "]: expected " + CLASSES + " counts");
            }
            copy[label] = confusion[label].clone();
            for (int p = 0; p < CLASSES; p++) {
                requireCount(copy[label][p], "confusion[" + label + "][" + p + "]");
                cells += copy[label][p];
            }
            diagonal += copy[label][label];
        }
        confusion = copy;
        if (cells != labelled) {
            throw new IllegalArgumentException("confusion: sums to " + cells + ", but labelled is " + labelled);
        }
        if (diagonal != correct) {
            throw new IllegalArgumentException("confusion: its diagonal sums to " + diagonal + ", but correct is "
                    + correct);
        }
        if (recent == null) {
            throw new IllegalArgumentException("recent: required (empty when nothing was labelled)");
        }
        if (recent.length() > RECENT_MAX || recent.length() > labelled) {
            throw new IllegalArgumentException("recent: at most " + Math.min(RECENT_MAX, labelled)
                    + " outcomes (RECENT_MAX and labelled), got " + recent.length());
        }
        long right = 0;
        for (int i = 0; i < recent.length(); i++) {
            char outcome = recent.charAt(i);
            if (outcome != '0' && outcome != '1') {
                throw new IllegalArgumentException("recent: expected only '0' and '1', got '" + outcome + "' at " + i);
            }
            right += outcome - '0';
        }
        if (right > correct || recent.length() - right > labelled - correct) {
            throw new IllegalArgumentException("recent: " + right + " right of " + recent.length()
                    + " does not fit in correct " + correct + " of labelled " + labelled);
        }
        if (comparedWith != null) {
            Versions.requireVersion(comparedWith, "comparedWith");
            if (comparedWith.equals(version)) {
                throw new IllegalArgumentException("comparedWith: the version itself");
            }
        }
        requireCount(compared, "compared");
        requireCount(agreed, "agreed");
        if (comparedWith == null && compared != 0) {
            throw new IllegalArgumentException("compared: " + compared + " without comparedWith");
        }
        if (compared > shadowPredictions) {
            throw new IllegalArgumentException("compared: " + compared + " is more than shadowPredictions ("
                    + shadowPredictions + ")");
        }
        if (agreed > compared) {
            throw new IllegalArgumentException("agreed: " + agreed + " is more than compared (" + compared + ")");
        }
        if (updatedAt == null) {
            throw new IllegalArgumentException("updatedAt: required");
        }
    }

    private static void requireCount(long count, String field) {
        if (count < 0 || count > MAX_COUNT) {
            throw new IllegalArgumentException(field + ": must be between 0 and " + MAX_COUNT + ", got " + count);
        }
    }

    /** The key of a version's record: {@code model/version}, e.g. {@code better/7daa286411a7}. */
    public static String key(String model, String version) {
        return model + "/" + version;
    }

    /** This record's key. */
    public String key() {
        return key(model, version);
    }

    /** A version nothing is known of yet. */
    public static LiveStats empty(String model, String version) {
        return new LiveStats(model, version, 0, 0, new long[CLASSES], 0, 0, new long[CLASSES][CLASSES], "", null, 0,
                0, Instant.EPOCH);
    }

    /** A copy. */
    @Override
    public long[] predicted() {
        return predicted.clone();
    }

    /** A copy. */
    @Override
    public long[][] confusion() {
        long[][] copy = new long[CLASSES][];
        for (int label = 0; label < CLASSES; label++) {
            copy[label] = confusion[label].clone();
        }
        return copy;
    }

    /** All answers: given to clients and computed in shadow. */
    public long answers() {
        return predictions + shadowPredictions;
    }

    /** Right answers over labelled ones; NaN when none is labelled. */
    public double accuracy() {
        return labelled == 0 ? Double.NaN : (double) correct / labelled;
    }

    /** How many of the last {@code n} labelled outcomes are known: at most {@link #RECENT_MAX}. */
    public int recentLabelled(int n) {
        return Math.max(0, Math.min(n, recent.length()));
    }

    /** The accuracy over the last {@code n} labelled outcomes (fewer when fewer are known); NaN when none. */
    public double recentAccuracy(int n) {
        int count = recentLabelled(n);
        if (count == 0) {
            return Double.NaN;
        }
        int right = 0;
        for (int i = recent.length() - count; i < recent.length(); i++) {
            right += recent.charAt(i) - '0';
        }
        return (double) right / count;
    }

    /** How often its shadow answers agreed with comparedWith's; NaN when none was compared. */
    public double agreement() {
        return compared == 0 ? Double.NaN : (double) agreed / compared;
    }

    /**
     * How far this version's predicted classes are from {@code testPredicted} (its manifest's test-set
     * counts): the total variation distance of the two distributions, half the summed absolute
     * differences of their shares, 0 when they are the same and 1 when they share no class. NaN when
     * either side has no predictions or they count different classes. The inference service's
     * fmnist_live_drift and {@code fmnist models live} both read it here.
     */
    public double driftFrom(int[] testPredicted) {
        if (predicted == null || testPredicted == null || predicted.length != testPredicted.length) {
            return Double.NaN;
        }
        double liveTotal = 0;
        double testTotal = 0;
        for (int i = 0; i < predicted.length; i++) {
            liveTotal += predicted[i];
            testTotal += testPredicted[i];
        }
        if (liveTotal <= 0 || testTotal <= 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < predicted.length; i++) {
            sum += Math.abs(predicted[i] / liveTotal - testPredicted[i] / testTotal);
        }
        return sum / 2;
    }

    /**
     * The stats with one more answer of this version. A shadow answer is compared with the served one;
     * when the served version changed, the comparison starts again against the new one.
     */
    public LiveStats withPrediction(PredictionRecord prediction) {
        requireOwn(prediction);
        long[] counts = predicted.clone();
        counts[prediction.classIndex()]++;
        boolean shadow = prediction.role() == PredictionRole.SHADOW;
        String against = comparedWith;
        long newCompared = compared;
        long newAgreed = agreed;
        if (shadow) {
            if (!prediction.servedVersion().equals(comparedWith)) {
                against = prediction.servedVersion();
                newCompared = 0;
                newAgreed = 0;
            }
            newCompared++;
            newAgreed += prediction.agrees() ? 1 : 0;
        }
        return new LiveStats(model, version, predictions + (shadow ? 0 : 1), shadowPredictions + (shadow ? 1 : 0),
                counts, labelled, correct, confusion, recent, against, newCompared, newAgreed,
                latest(prediction.at()));
    }

    /** The stats with the label of one of this version's answers folded in. */
    public LiveStats withOutcome(PredictionRecord prediction, FeedbackRecord feedback) {
        requireOwn(prediction);
        if (!prediction.predictionId().equals(feedback.predictionId())) {
            throw new IllegalArgumentException("predictionId: the feedback for " + feedback.predictionId()
                    + " joined with the prediction " + prediction.predictionId());
        }
        boolean right = prediction.classIndex() == feedback.label();
        long[][] matrix = confusion();
        matrix[feedback.label()][prediction.classIndex()]++;
        String outcomes = recent + (right ? '1' : '0');
        if (outcomes.length() > RECENT_MAX) {
            outcomes = outcomes.substring(outcomes.length() - RECENT_MAX);
        }
        return new LiveStats(model, version, predictions, shadowPredictions, predicted, labelled + 1,
                correct + (right ? 1 : 0), matrix, outcomes, comparedWith, compared, agreed, latest(feedback.at()));
    }

    private void requireOwn(PredictionRecord prediction) {
        if (!prediction.model().equals(model) || !prediction.version().equals(version)) {
            throw new IllegalArgumentException("version: a prediction of " + key(prediction.model(),
                    prediction.version()) + " folded into the stats of " + key());
        }
    }

    private Instant latest(Instant at) {
        return at.isAfter(updatedAt) ? at : updatedAt;
    }

    /** The record's JSON, as {@code ContractSchema.LIVE_STATS} describes it. */
    public byte[] toJson() {
        ObjectNode node = ContractJson.MAPPER.createObjectNode()
                .put("model", model)
                .put("version", version)
                .put("predictions", predictions)
                .put("shadowPredictions", shadowPredictions);
        ArrayNode counts = node.putArray("predicted");
        Arrays.stream(predicted).forEach(counts::add);
        node.put("labelled", labelled).put("correct", correct);
        ArrayNode rows = node.putArray("confusion");
        for (long[] row : confusion) {
            ArrayNode cells = rows.addArray();
            Arrays.stream(row).forEach(cells::add);
        }
        node.put("recent", recent);
        if (comparedWith != null) {
            node.put("comparedWith", comparedWith);
        }
        node.put("compared", compared).put("agreed", agreed).put("updatedAt", updatedAt.toString());
        return ContractJson.write(node);
    }

    /**
     * Reads a record of the live-accuracy topic; the key must be {@code model/version} of the record.
     * Anything else is an {@link IllegalArgumentException} whose message starts with the field's name.
     */
    public static LiveStats parse(String key, byte[] json) {
        JsonFields fields = JsonFields.object(json, MAX_JSON_BYTES,
                "{\"model\":\"better\",\"version\":\"...\",\"predictions\":0,...}");
        String model = fields.text("model", true, Versions.MODEL_MAX);
        String version = fields.text("version", true, 12);
        JsonFields.requireKey("model", key(model, version), key);
        long[] predicted = counts("predicted", fields.array("predicted", CLASSES, true));
        JsonNode rows = fields.array("confusion", CLASSES, true);
        long[][] confusion = new long[CLASSES][];
        for (int label = 0; label < CLASSES; label++) {
            String field = "confusion[" + label + "]";
            confusion[label] = counts(field, JsonFields.array(field, rows.get(label), CLASSES, true));
        }
        return new LiveStats(model, version,
                fields.longInteger("predictions", 0, MAX_COUNT),
                fields.longInteger("shadowPredictions", 0, MAX_COUNT),
                predicted,
                fields.longInteger("labelled", 0, MAX_COUNT),
                fields.longInteger("correct", 0, MAX_COUNT),
                confusion,
                fields.text("recent", true, RECENT_MAX),
                fields.text("comparedWith", false, 12),
                fields.longInteger("compared", 0, MAX_COUNT),
                fields.longInteger("agreed", 0, MAX_COUNT),
                fields.instant("updatedAt"));
    }

    private static long[] counts(String field, JsonNode array) {
        long[] counts = new long[array.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = JsonFields.integer(field + "[" + i + "]", array.get(i), 0, MAX_COUNT);
        }
        return counts;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LiveStats s && model.equals(s.model) && version.equals(s.version)
                && predictions == s.predictions && shadowPredictions == s.shadowPredictions
                && Arrays.equals(predicted, s.predicted) && labelled == s.labelled && correct == s.correct
                && Arrays.deepEquals(confusion, s.confusion) && recent.equals(s.recent)
                && Objects.equals(comparedWith, s.comparedWith) && compared == s.compared && agreed == s.agreed
                && updatedAt.equals(s.updatedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, version, predictions, shadowPredictions, labelled, correct, recent, compared,
                updatedAt);
    }

    @Override
    public String toString() {
        return "LiveStats[" + key() + " predictions " + predictions + " shadow " + shadowPredictions + " labelled "
                + labelled + " correct " + correct + (comparedWith == null ? "" : " agreed " + agreed + "/" + compared
                + " with " + comparedWith) + " at " + updatedAt + "]";
    }
}
