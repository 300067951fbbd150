package dev.fmnist.inference.messaging;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.inference.serving.PublishedVersions;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.common.header.Header;

/**
 * An artefact record's headers (the contract's {@link Headers}, written by the trainer's publisher) read
 * as an index entry, without its value. Headers are hostile input like any record: each is checked and a
 * refusal names it. A record that lacks any of the {@link #REQUIRED} ones (written before the trainer
 * wrote them all, or by someone else) is not indexed from its headers: the indexer reads its value.
 */
final class ArtefactHeaders {

    /** Enough to choose without the value: what it is (sha256, version) and whether it passes the floor. */
    static final List<String> REQUIRED = List.of(Headers.PARAMETERS_SHA256, Headers.VERSION, Headers.TEST_ACCURACY);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    /** Far above any experiment id or ISO-8601 instant the project writes; a header beyond it is refused. */
    static final int MAX_TEXT = 256;

    private ArtefactHeaders() {}

    /** Whether the record carries every header the index needs. */
    static boolean complete(org.apache.kafka.common.header.Headers headers) {
        return headers != null && REQUIRED.stream().allMatch(name -> headers.lastHeader(name) != null);
    }

    /**
     * The index entry the headers of the record at {@code offset} make; IllegalArgumentException naming
     * the header that is missing or wrong.
     */
    static PublishedVersions.Entry entry(org.apache.kafka.common.header.Headers headers, long offset) {
        String sha256 = text(headers, Headers.PARAMETERS_SHA256, true);
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("header " + Headers.PARAMETERS_SHA256 + ": expected 64 lower-case hex "
                    + "digits, got '" + shorten(sha256) + "'");
        }
        // the trainer writes it only when true; false, as another publisher may write it, says the same as none
        String flips = text(headers, Headers.TEST_TIME_FLIP, false);
        boolean flipped = flips.equals(Boolean.TRUE.toString());
        if (!flipped && !flips.isEmpty() && !flips.equals(Boolean.FALSE.toString())) {
            throw new IllegalArgumentException("header " + Headers.TEST_TIME_FLIP + ": expected true, false or no header, "
                    + "got '" + shorten(flips) + "'");
        }
        String version = text(headers, Headers.VERSION, true);
        String expected = ModelManifest.version(sha256, flipped);
        if (!version.equals(expected)) {
            throw new IllegalArgumentException("header " + Headers.VERSION + ": '" + shorten(version) + "' is not the "
                    + "version of " + Headers.PARAMETERS_SHA256 + " " + sha256 + (flipped ? " served with "
                    + "test-time flips" : "") + " (" + expected + ")");
        }
        String accuracyText = text(headers, Headers.TEST_ACCURACY, true);
        double accuracy;
        try {
            accuracy = Double.parseDouble(accuracyText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("header " + Headers.TEST_ACCURACY + ": '" + shorten(accuracyText)
                    + "' is not a number", e);
        }
        if (!(accuracy >= 0 && accuracy <= 1)) { // NaN too
            throw new IllegalArgumentException("header " + Headers.TEST_ACCURACY + ": " + accuracyText
                    + " is not between 0 and 1");
        }
        return new PublishedVersions.Entry(version, sha256, text(headers, Headers.EXPERIMENT_ID, false), accuracy,
                text(headers, Headers.CREATED_AT, false), offset);
    }

    private static String text(org.apache.kafka.common.header.Headers headers, String name, boolean required) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            if (required) {
                throw new IllegalArgumentException("header " + name + ": missing");
            }
            return "";
        }
        if (header.value().length > MAX_TEXT) {
            throw new IllegalArgumentException("header " + name + ": " + header.value().length + " bytes, more than "
                    + MAX_TEXT);
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String shorten(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}
