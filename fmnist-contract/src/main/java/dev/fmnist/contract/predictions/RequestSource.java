package dev.fmnist.contract.predictions;

import dev.fmnist.contract.fields.WireNames;
import java.util.Locale;

/**
 * The form in which a client sent the image: {@link #RAW} 28x28 bytes, {@link #FLOAT} values already
 * scaled, or an {@link #ENCODED} picture (PNG, JPEG...) that the service converted. JSON: the name in
 * lower case.
 */
public enum RequestSource {
    RAW, FLOAT, ENCODED;

    /** The JSON spelling: the name in lower case. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The source {@code text} spells (case-insensitive); anything else is refused naming {@code field}. */
    public static RequestSource parse(String text, String field) {
        return WireNames.parse(RequestSource.class, values(), text, field);
    }
}
