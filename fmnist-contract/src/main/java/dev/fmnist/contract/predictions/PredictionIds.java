package dev.fmnist.contract.predictions;

import dev.fmnist.contract.fields.JsonFields;
import dev.fmnist.contract.fields.WireNames;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.SplittableRandom;

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

    /** Digits of a request id. */
    private static final int REQUEST_ID_LENGTH = 32;
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
        if (!isPredictionId(predictionId)) {
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
        if (!isRequestId(requestId)) {
            throw new IllegalArgumentException(field + ": expected a request id (32 lower-case hex digits), got '"
                    + WireNames.echo(requestId) + "'");
        }
        return requestId;
    }

    /*
     * The two checks are written out rather than as regular expressions: the prediction log checks
     * three ids for every answered image it records, on the same cores as serving.
     */

    /** 32 lower-case hex digits. */
    private static boolean isRequestId(String id) {
        return id.length() == REQUEST_ID_LENGTH && isLowerHex(id, REQUEST_ID_LENGTH);
    }

    /** A request id, then nothing or a dot and an index of 1 to 4 digits, no leading zeros (one spelling per image). */
    private static boolean isPredictionId(String id) {
        int length = id.length();
        if (length == REQUEST_ID_LENGTH) {
            return isLowerHex(id, REQUEST_ID_LENGTH);
        }
        if (length < REQUEST_ID_LENGTH + 2 || length > MAX_LENGTH || id.charAt(REQUEST_ID_LENGTH) != '.'
                || !isLowerHex(id, REQUEST_ID_LENGTH)) {
            return false;
        }
        int first = REQUEST_ID_LENGTH + 1;
        if (id.charAt(first) == '0') {
            return length == first + 1;
        }
        for (int i = first; i < length; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Whether the first {@code count} characters of {@code text} are lower-case hex digits. */
    private static boolean isLowerHex(String text, int count) {
        for (int i = 0; i < count; i++) {
            char c = text.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /** The request id a valid prediction id belongs to. */
    public static String requestIdOf(String predictionId) {
        int dot = requireValid(predictionId, "predictionId").indexOf('.');
        return dot < 0 ? predictionId : predictionId.substring(0, dot);
    }
}
