package dev.fmnist.contract.predictions;

import dev.fmnist.contract.fields.WireNames;
import dev.fmnist.contract.networks.NetworkSpec;
import java.util.regex.Pattern;

/** The served model names and artefact versions that prediction records carry, checked alike. */
final class Versions {

    /** An artefact version: 12 hex digits derived from its parameters' sha256 ({@code ModelManifest.version()}). */
    private static final Pattern VERSION = Pattern.compile("[0-9a-f]{12}");
    static final int MODEL_MAX = 40;

    private Versions() {}

    static String requireVersion(String version, String field) {
        if (version == null) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException(field + ": expected an artefact version (12 lower-case hex digits), "
                    + "got '" + WireNames.echo(version) + "'");
        }
        return version;
    }

    static String requireModel(String model, String field) {
        if (model == null) {
            throw new IllegalArgumentException(field + ": required");
        }
        if (model.length() > MODEL_MAX) {
            throw new IllegalArgumentException(field + ": at most " + MODEL_MAX + " characters, got " + model.length());
        }
        String canonical;
        try {
            canonical = NetworkSpec.fromServingName(model).servingName();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
        if (!canonical.equals(model)) { // one spelling per model, so keys and metric tags agree
            throw new IllegalArgumentException(field + ": expected '" + canonical + "', got '" + model + "'");
        }
        return model;
    }
}
