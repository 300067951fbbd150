package dev.fmnist.contract.predictions;

import dev.fmnist.contract.fields.JsonFields;
import dev.fmnist.contract.fields.WireNames;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

/**
 * Request and prediction ids. A request id is 32 lower-case hex digits made by the server (128 random
 * bits: unguessable enough that a client cannot label another client's predictions by guessing, and
 * never repeated in practice). The prediction id of an image is its request's id when the request held
 * one image, else the request id, a dot and the image's index ({@code 3f...9a.2}): a client that sent
 * one image gets one id for everything.
 */
public final class PredictionIds {

    /** The most images one request may hold and still get prediction ids (indexes of 1 to 4 digits). */
    public static final int MAX_IMAGES = 10_000;
    /** Length of a prediction id: a request id, a dot and a 4-digit index. */
    public static final int MAX_LENGTH = 32 + 1 + 4;

    private static final Pattern REQUEST_ID = Pattern.compile("[0-9a-f]{32}");
    /** One spelling per image: no leading zeros in the index. */
    private static final Pattern PREDICTION_ID = Pattern.compile("[0-9a-f]{32}(\\.(0|[1-9][0-9]{0,3}))?");
    private static final HexFormat HEX = HexFormat.of();
    private static final SecureRandom SEEDS = new SecureRandom();
    /** A fast generator per thread, each seeded from the secure one: ids are made on the request path. */
    private static final ThreadLocal<SplittableRandom> RANDOM =
            ThreadLocal.withInitial(() -> new SplittableRandom(SEEDS.nextLong()));

    private PredictionIds() {}

    /** A new request id: 32 lower-case hex digits. */
    public static String newRequestId() {
        SplittableRandom random = RANDOM.get();
        return HEX.toHexDigits(random.nextLong()) + HEX.toHexDigits(random.nextLong());
    }

    /** The id of image {@code index} of a request of {@code count} images. */
    public static String predictionId(String requestId, int index, int count) {
        requireRequestId(requestId, "requestId");
        if (count < 1 || count > MAX_IMAGES) {
            throw new IllegalArgumentException("count: must be between 1 and " + MAX_IMAGES + ", got " + count);
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("index: must be between 0 and " + (count - 1) + ", got " + index);
        }
        return count == 1 ? requestId : requestId + "." + index;
    }

    /** {@code predictionId} when it is one, else an {@link IllegalArgumentException} naming {@code field}. */
    public static String requireValid(String predictionId, String field) {
        if (predictionId == null) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (predictionId.length() > MAX_LENGTH || !PREDICTION_ID.matcher(predictionId).matches()) {
            throw new IllegalArgumentException(field + ": expected a prediction id (32 lower-case hex digits, "
                    + "then '.' and the image's index for a request of several images), got '"
                    + WireNames.echo(predictionId) + "'");
        }
        return predictionId;
    }

    /** The {@code predictionId} field of a record keyed by it: a valid prediction id, and the record's key. */
    static String keyOf(JsonFields fields, String key) {
        String predictionId = requireValid(fields.text("predictionId", true, MAX_LENGTH), "predictionId");
        return JsonFields.requireKey("predictionId", predictionId, key);
    }

    /** {@code requestId} when it is one, else an {@link IllegalArgumentException} naming {@code field}. */
    public static String requireRequestId(String requestId, String field) {
        if (requestId == null) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (requestId.length() != 32 || !REQUEST_ID.matcher(requestId).matches()) {
            throw new IllegalArgumentException(field + ": expected a request id (32 lower-case hex digits), got '"
                    + WireNames.echo(requestId) + "'");
        }
        return requestId;
    }

    /** The request id a valid prediction id belongs to. */
    public static String requestIdOf(String predictionId) {
        int dot = requireValid(predictionId, "predictionId").indexOf('.');
        return dot < 0 ? predictionId : predictionId.substring(0, dot);
    }
}
