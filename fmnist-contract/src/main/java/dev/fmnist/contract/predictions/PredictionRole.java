package dev.fmnist.contract.predictions;

import dev.fmnist.contract.fields.WireNames;
import java.util.Locale;

/**
 * Whose answer a {@link PredictionRecord} is: the champion's that the client got ({@link #SERVED}), a
 * canary challenger's that the client got ({@link #CANARY}), or a challenger's computed in shadow
 * after the client was answered ({@link #SHADOW}). JSON: the name in lower case.
 */
public enum PredictionRole {
    SERVED, CANARY, SHADOW;

    /** The JSON spelling: the name in lower case. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a client got this answer (served or canary). */
    public boolean answeredClient() {
        return this != SHADOW;
    }

    /** The role {@code text} spells (case-insensitive); anything else is refused naming {@code field}. */
    public static PredictionRole parse(String text, String field) {
        return WireNames.parse(PredictionRole.class, values(), text, field);
    }
}
