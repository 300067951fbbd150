package dev.fmnist.contract.serving;

import dev.fmnist.contract.fields.WireNames;
import java.util.Locale;

/**
 * How a challenger is served beside its slot's champion: in {@link #SHADOW} it scores a share of the
 * requests after the champion answered (clients never see its answers); in {@link #CANARY} it answers
 * a share of the requests itself. JSON: {@code "shadow"}, {@code "canary"}.
 */
public enum ChallengerMode {
    SHADOW, CANARY;

    /** The JSON spelling: the name in lower case. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode {@code text} spells (case-insensitive); anything else is refused naming {@code field}. */
    public static ChallengerMode parse(String text, String field) {
        return WireNames.parse(ChallengerMode.class, values(), text, field);
    }
}
