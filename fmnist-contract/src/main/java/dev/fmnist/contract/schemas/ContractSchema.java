package dev.fmnist.contract.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The JSON Schemas of the records clients and services exchange, shipped in this jar beside the code
 * they describe (one source of truth; the contract's tests hold them to the code). Each is a resource
 * of this package: {@code dev/fmnist/contract/schemas/NAME.schema.json}.
 */
public enum ContractSchema {
    /** A request on {@code fmnist.experiments}. */
    EXPERIMENT_REQUEST("experiment-request.schema.json"),
    /** An event on {@code fmnist.experiment-events}: one shape per event kind. */
    EXPERIMENT_EVENT("experiment-event.schema.json"),
    /** A state on the compacted {@code fmnist.experiment-state}. */
    EXPERIMENT_STATE("experiment-state.schema.json"),
    /** A command on {@code fmnist.experiment-control}. */
    CONTROL_COMMAND("control-command.schema.json"),
    /** A record on the compacted {@code fmnist.model-control}. */
    MODEL_CONTROL("model-control.schema.json"),
    /** A checkpoint's manifest on {@code fmnist.checkpoints} (its chunks are bytes). */
    CHECKPOINT_MANIFEST("checkpoint-manifest.schema.json"),
    /** An answered image on {@code fmnist.predictions}. */
    PREDICTION("prediction.schema.json"),
    /** A label for a prediction on {@code fmnist.feedback}. */
    FEEDBACK("feedback.schema.json"),
    /** A model version's live statistics on the compacted {@code fmnist.live-accuracy}. */
    LIVE_STATS("live-stats.schema.json");

    private final String fileName;

    ContractSchema(String fileName) {
        this.fileName = fileName;
    }

    /** The file's name, such as {@code experiment-event.schema.json}. */
    public String fileName() {
        return fileName;
    }

    /** Where it is on the class path (and in the jar). */
    public String resourcePath() {
        return ContractSchema.class.getPackageName().replace('.', '/') + "/" + fileName;
    }

    /** The schema's bytes, from the class path; the caller closes the stream. */
    public InputStream open() {
        InputStream in = ContractSchema.class.getResourceAsStream(fileName);
        if (in == null) {
            throw new IllegalStateException("the schema " + resourcePath() + " is missing from the contract's jar");
        }
        return in;
    }

    /** The schema as text. */
    public String text() {
        try (InputStream in = open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the schema " + resourcePath(), e);
        }
    }
}
