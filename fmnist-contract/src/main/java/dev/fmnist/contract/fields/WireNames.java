package dev.fmnist.contract.fields;

import java.util.Arrays;
import java.util.Locale;

/** Reads the lower-case JSON spelling of a contract enum, refusing anything else by field. */
public final class WireNames {

    private static final int MAX_ECHO = 40;

    private WireNames() {}

    /**
     * The constant of {@code type} whose name is {@code text} (case-insensitive); an {@link
     * IllegalArgumentException} starting with {@code field} otherwise.
     */
    public static <E extends Enum<E>> E parse(Class<E> type, E[] values, String text, String field) {
        if (text == null) {
            throw new IllegalArgumentException(field + ": required, one of " + spellings(values));
        }
        for (E value : values) {
            if (value.name().equalsIgnoreCase(text)) {
                return value;
            }
        }
        throw new IllegalArgumentException(field + ": expected one of " + spellings(values) + ", got '"
                + echo(text) + "'");
    }

    /** The values' JSON spellings, for messages. */
    public static String spellings(Enum<?>[] values) {
        return String.join(", ", Arrays.stream(values).map(v -> v.name().toLowerCase(Locale.ROOT)).toList());
    }

    /** {@code text} cut short for a message: hostile input may be long. */
    public static String echo(String text) {
        return text.length() <= MAX_ECHO ? text : text.substring(0, MAX_ECHO) + "...";
    }
}
