package dev.fmnist.contract.kafka;

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
    /** On {@link Topic#MODELS}: the artefact's version (the first 12 hex digits of that sha256). */
    public static final String VERSION = "fmnist-version";
    /** On {@link Topic#MODELS}: the experiment that trained it (empty for a local run). */
    public static final String EXPERIMENT_ID = "fmnist-experiment-id";
    /** On {@link Topic#MODELS} and {@link Topic#REPORTS}: the media type of the value, e.g. {@code image/png}. */
    public static final String CONTENT_TYPE = "content-type";

    /**
     * On {@link Topic#EXPERIMENTS}: this record is one child of the sweep in its body, the child at this
     * 0-based index; written by the trainer that fans a sweep out.
     */
    public static final String SWEEP_CHILD = "fmnist-sweep-child";

    private Headers() {}
}
