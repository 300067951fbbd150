package dev.fmnist.contract.kafka;

import dev.fmnist.contract.artefacts.ModelManifest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Record headers the project writes, and what they carry. */
public final class Headers {

    /** On {@link Topic#EXPERIMENTS_DLQ}: the request field at fault. */
    public static final String ERROR_FIELD = "fmnist-error-field";
    /** On {@link Topic#EXPERIMENTS_DLQ}: the rule it broke. */
    public static final String ERROR_RULE = "fmnist-error-rule";
    /** On {@link Topic#EXPERIMENTS_DLQ}: where the request was read, {@code topic-partition@offset}. */
    public static final String SOURCE = "fmnist-source";
    /** On {@link Topic#MODELS}: the sha256 of the artefact's parameters, as its manifest says. */
    public static final String PARAMETERS_SHA256 = "fmnist-parameters-sha256";
    /** On {@link Topic#MODELS}: the artefact's version ({@code ModelManifest.version(sha256, testTimeFlip)}). */
    public static final String VERSION = "fmnist-version";
    /**
     * On {@link Topic#MODELS}, only for a model served with test-time flips: {@code true}. Its version is
     * then not the first 12 digits of the parameters' sha256, and a replica that knows no flips refuses
     * the headers rather than serve the model without them.
     */
    public static final String TEST_TIME_FLIP = "fmnist-test-time-flip";
    /** On {@link Topic#MODELS}: the experiment that trained it (empty for a local run). */
    public static final String EXPERIMENT_ID = "fmnist-experiment-id";
    /**
     * On {@link Topic#MODELS}: the artefact's test accuracy as its manifest says, in Java's
     * {@code Double.toString} form (e.g. {@code 0.9041}), so a replica judges its accuracy floor from the
     * index without fetching the artefact.
     */
    public static final String TEST_ACCURACY = "fmnist-test-accuracy";
    /** On {@link Topic#MODELS}: when the artefact was written (ISO-8601), as its manifest says. */
    public static final String CREATED_AT = "fmnist-created-at";
    /** On {@link Topic#MODELS} and {@link Topic#REPORTS}: the media type of the value, e.g. {@code image/png}. */
    public static final String CONTENT_TYPE = "content-type";

    /**
     * On {@link Topic#EXPERIMENTS}: this record is one child of the sweep in its body, the child at this
     * 0-based index; written by the trainer that fans a sweep out.
     */
    public static final String SWEEP_CHILD = "fmnist-sweep-child";

    private Headers() {}

    /**
     * The headers of an artefact's record on {@link Topic#MODELS}, from its manifest: what a serving
     * replica indexes the topic by without reading the artefacts.
     */
    public static Map<String, String> forArtefact(ModelManifest manifest) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(PARAMETERS_SHA256, manifest.parametersSha256());
        headers.put(VERSION, manifest.version());
        headers.put(EXPERIMENT_ID, manifest.experimentId() == null ? "" : manifest.experimentId());
        headers.put(TEST_ACCURACY, Double.toString(manifest.testAccuracy()));
        headers.put(CREATED_AT, manifest.createdAt() == null ? "" : manifest.createdAt());
        headers.put(CONTENT_TYPE, "application/zip");
        if (manifest.testTimeFlip()) {
            headers.put(TEST_TIME_FLIP, Boolean.TRUE.toString());
        }
        return Collections.unmodifiableMap(headers);
    }
}
