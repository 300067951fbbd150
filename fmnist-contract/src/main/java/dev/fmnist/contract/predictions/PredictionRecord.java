package dev.fmnist.contract.predictions;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.experiments.ContractJson;
import dev.fmnist.contract.fields.JsonFields;
import dev.fmnist.contract.fields.WireNames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One answered image, on {@code PREFIX.predictions} under its {@link #predictionId}: what the served
 * model (or its challenger) said, for the live accuracy, the shadow comparison and the audit. Every
 * inference replica writes them; anyone who may write the topic could forge one, so {@link #parse}
 * checks every field and the constructor every relation between fields.
 *
 * @param predictionId the key: {@link PredictionIds#predictionId} of requestId and index
 * @param requestId the server-made id of the request ({@link PredictionIds#newRequestId()})
 * @param index the image's place in its request
 * @param model the served model's name ({@code better}, {@code compare-k3}...)
 * @param version the artefact version that computed this answer (12 hex digits)
 * @param role whose answer: the champion's, a canary's or a shadow's
 * @param classIndex the predicted class: the index of the highest probability
 * @param probabilities {@link FashionMnist#CLASSES} finite values in [0, 1], summing to 1
 * @param api which API answered: one of {@link #APIS}
 * @param source the form in which the image came
 * @param latencyMicros from the request's arrival to the answer
 * @param at when the answer was made
 * @param servedVersion SHADOW only: the version whose answer the client got; null otherwise
 * @param servedClassIndex SHADOW only: the class the client got; null otherwise
 * @param pixels null unless capture is on: the model's input as {@link FashionMnist#PIXELS} bytes 0..255
 *     (personal data: off by default); JSON: base64
 */
public record PredictionRecord(
        String predictionId,
        String requestId,
        int index,
        String model,
        String version,
        PredictionRole role,
        int classIndex,
        float[] probabilities,
        String api,
        RequestSource source,
        long latencyMicros,
        Instant at,
        String servedVersion,
        Integer servedClassIndex,
        byte[] pixels) {

    /** The APIs that answer images: the Classifier gRPC API and Open Inference Protocol over gRPC and REST. */
    public static final List<String> APIS = List.of("classify", "oip-grpc", "oip-rest");
    /** Far above a record with captured pixels (about 1.5 KiB): a bigger one is refused unread. */
    public static final int MAX_JSON_BYTES = 16 * 1024;
    /** An hour: a latency beyond it is no answer anyone waited for, so a record claiming one is forged. */
    public static final long MAX_LATENCY_MICROS = 3_600_000_000L;
    /** Softmax outputs in float sum to 1 within far less than this. */
    private static final double SUM_TOLERANCE = 1e-3;

    public PredictionRecord {
        PredictionIds.requireRequestId(requestId, "requestId");
        if (index < 0 || index >= PredictionIds.MAX_IMAGES) {
            throw new IllegalArgumentException("index: must be between 0 and " + (PredictionIds.MAX_IMAGES - 1)
                    + ", got " + index);
        }
        PredictionIds.requireValid(predictionId, "predictionId");
        if (!predictionId.equals(requestId) && !predictionId.equals(requestId + "." + index)) {
            throw new IllegalArgumentException("predictionId: '" + predictionId + "' is not image " + index
                    + " of request " + requestId);
        }
        if (predictionId.equals(requestId) && index != 0) {
            throw new IllegalArgumentException("predictionId: '" + predictionId + "' names a one-image request, "
                    + "but index is " + index);
        }
        Versions.requireModel(model, "model");
        Versions.requireVersion(version, "version");
        if (role == null) {
            throw new IllegalArgumentException("role: required");
        }
        requireClass(classIndex, "classIndex");
        if (probabilities == null) {
            throw new IllegalArgumentException("probabilities: required");
        }
        if (probabilities.length != FashionMnist.CLASSES) {
            throw new IllegalArgumentException("probabilities: expected " + FashionMnist.CLASSES + " values, got "
                    + probabilities.length);
        }
        probabilities = probabilities.clone();
        double sum = 0;
        for (int c = 0; c < probabilities.length; c++) {
            float p = probabilities[c];
            if (!(p >= 0f && p <= 1f)) { // NaN fails both
                throw new IllegalArgumentException("probabilities: [" + c + "] must be between 0 and 1, got " + p);
            }
            sum += p;
            if (p > probabilities[classIndex]) {
                throw new IllegalArgumentException("classIndex: " + classIndex + " is not the most probable class ("
                        + c + " is)");
            }
        }
        if (Math.abs(sum - 1.0) > SUM_TOLERANCE) {
            throw new IllegalArgumentException("probabilities: must sum to 1, got " + sum);
        }
        if (api == null || !APIS.contains(api)) {
            throw new IllegalArgumentException("api: expected one of " + String.join(", ", APIS) + ", got "
                    + (api == null ? "none" : "'" + WireNames.echo(api) + "'"));
        }
        if (source == null) {
            throw new IllegalArgumentException("source: required");
        }
        if (latencyMicros < 0 || latencyMicros > MAX_LATENCY_MICROS) {
            throw new IllegalArgumentException("latencyMicros: must be between 0 and " + MAX_LATENCY_MICROS + ", got "
                    + latencyMicros);
        }
        if (at == null) {
            throw new IllegalArgumentException("at: required");
        }
        if (role == PredictionRole.SHADOW) {
            Versions.requireVersion(servedVersion, "servedVersion");
            if (servedVersion.equals(version)) {
                throw new IllegalArgumentException("servedVersion: a shadow answer of " + version
                        + " compared with itself");
            }
            if (servedClassIndex == null) {
                throw new IllegalArgumentException("servedClassIndex: required for a shadow answer");
            }
            requireClass(servedClassIndex, "servedClassIndex");
        } else {
            if (servedVersion != null) {
                throw new IllegalArgumentException("servedVersion: only a shadow answer has one, this is "
                        + role.wire());
            }
            if (servedClassIndex != null) {
                throw new IllegalArgumentException("servedClassIndex: only a shadow answer has one, this is "
                        + role.wire());
            }
        }
        if (pixels != null) {
            if (pixels.length != FashionMnist.PIXELS) {
                throw new IllegalArgumentException("pixels: expected " + FashionMnist.PIXELS + " bytes, got "
                        + pixels.length);
            }
            pixels = pixels.clone();
        }
    }

    private static void requireClass(int value, String field) {
        if (value < 0 || value >= FashionMnist.CLASSES) {
            throw new IllegalArgumentException(field + ": must be between 0 and " + (FashionMnist.CLASSES - 1)
                    + ", got " + value);
        }
    }

    /** A copy: the record stays as it was made. */
    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }

    /** A copy, or null when the pixels were not captured; see {@link #capturedPixels()}. */
    @Override
    public byte[] pixels() {
        return pixels == null ? null : pixels.clone();
    }

    /** The model's input, when capture was on. */
    public Optional<byte[]> capturedPixels() {
        return Optional.ofNullable(pixels());
    }

    /** The predicted class's probability. */
    public float confidence() {
        return probabilities[classIndex];
    }

    /** A shadow answer: whether it agrees with the answer the client got; any other answer: true. */
    public boolean agrees() {
        return role != PredictionRole.SHADOW || classIndex == servedClassIndex;
    }

    /** The same answer without the captured pixels. */
    public PredictionRecord withoutPixels() {
        return pixels == null ? this : new PredictionRecord(predictionId, requestId, index, model, version, role,
                classIndex, probabilities, api, source, latencyMicros, at, servedVersion, servedClassIndex, null);
    }

    /**
     * The record's JSON, as {@code ContractSchema.PREDICTION} describes it. Written field by field, not
     * through a tree: the prediction log writes one per answered image.
     */
    public byte[] toJson() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(pixels == null ? 512 : 1536);
        try (JsonGenerator json = ContractJson.MAPPER.getFactory().createGenerator(bytes)) {
            json.writeStartObject();
            json.writeStringField("predictionId", predictionId);
            json.writeStringField("requestId", requestId);
            json.writeNumberField("index", index);
            json.writeStringField("model", model);
            json.writeStringField("version", version);
            json.writeStringField("role", role.wire());
            json.writeNumberField("classIndex", classIndex);
            json.writeArrayFieldStart("probabilities");
            for (float p : probabilities) {
                json.writeNumber(p);
            }
            json.writeEndArray();
            json.writeStringField("api", api);
            json.writeStringField("source", source.wire());
            json.writeNumberField("latencyMicros", latencyMicros);
            json.writeStringField("at", at.toString());
            if (servedVersion != null) {
                json.writeStringField("servedVersion", servedVersion);
            }
            if (servedClassIndex != null) {
                json.writeNumberField("servedClassIndex", servedClassIndex);
            }
            if (pixels != null) {
                json.writeStringField("pixels", Base64.getEncoder().encodeToString(pixels));
            }
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads a record of the predictions topic; the key must be its prediction id. Anything else is an
     * {@link IllegalArgumentException} whose message starts with the field's name. Fields it does not
     * know are ignored (a newer writer).
     */
    public static PredictionRecord parse(String key, byte[] json) {
        JsonFields fields = JsonFields.object(json, MAX_JSON_BYTES,
                "{\"predictionId\":\"...\",\"requestId\":\"...\",\"model\":\"better\",...}");
        String predictionId = PredictionIds.keyOf(fields, key);
        JsonNode array = fields.array("probabilities", FashionMnist.CLASSES, true);
        float[] probabilities = new float[FashionMnist.CLASSES];
        for (int c = 0; c < probabilities.length; c++) {
            probabilities[c] = JsonFields.decimal("probabilities[" + c + "]", array.get(c), 0f, 1f);
        }
        String pixelsText = fields.text("pixels", false, 4 * FashionMnist.PIXELS);
        byte[] pixels = null;
        if (pixelsText != null) {
            try {
                pixels = Base64.getDecoder().decode(pixelsText);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("pixels: not base64: " + e.getMessage(), e);
            }
        }
        return new PredictionRecord(predictionId,
                fields.text("requestId", true, 32),
                fields.integer("index", 0, PredictionIds.MAX_IMAGES - 1),
                fields.text("model", true, Versions.MODEL_MAX),
                fields.text("version", true, 12),
                PredictionRole.parse(fields.text("role", true, 16), "role"),
                fields.integer("classIndex", 0, FashionMnist.CLASSES - 1),
                probabilities,
                fields.text("api", true, 16),
                RequestSource.parse(fields.text("source", true, 16), "source"),
                fields.longInteger("latencyMicros", 0, MAX_LATENCY_MICROS),
                fields.instant("at"),
                fields.text("servedVersion", false, 12),
                fields.optionalInteger("servedClassIndex", 0, FashionMnist.CLASSES - 1),
                pixels);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof PredictionRecord r && index == r.index && classIndex == r.classIndex
                && latencyMicros == r.latencyMicros && predictionId.equals(r.predictionId)
                && requestId.equals(r.requestId) && model.equals(r.model) && version.equals(r.version)
                && role == r.role && Arrays.equals(probabilities, r.probabilities) && api.equals(r.api)
                && source == r.source && at.equals(r.at) && Objects.equals(servedVersion, r.servedVersion)
                && Objects.equals(servedClassIndex, r.servedClassIndex) && Arrays.equals(pixels, r.pixels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(predictionId, version, role, classIndex, at);
    }

    @Override
    public String toString() {
        return "PredictionRecord[" + predictionId + " " + model + "/" + version + " " + role.wire() + " class "
                + classIndex + " via " + api + "/" + source.wire() + " at " + at
                + (servedVersion == null ? "" : " served " + servedVersion + ":" + servedClassIndex)
                + (pixels == null ? "" : " with pixels") + "]";
    }
}
