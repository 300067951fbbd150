package dev.fmnist.contract.serving;

import dev.fmnist.contract.fields.WireNames;
import java.util.Locale;

/**
 * What a model-control record decided, for the decision history ({@code fmnist models history}).
 * JSON: the name in lower case. Records written before decisions were recorded have none.
 */
public enum ModelDecision {
    /** An artefact version was pinned. */
    PIN,
    /** The model follows the newest artefact again. */
    UNPIN,
    /** A challenger is served beside the champion (in shadow or as a canary). */
    CHALLENGE,
    /** The challenger became the champion. */
    PROMOTE,
    /** The champion was replaced by the one before it. */
    ROLLBACK,
    /** The challenger was dropped (it lost, or the operator ended the trial). */
    RETIRE,
    /** Nothing changes; the policy logs it and never writes it. */
    HOLD;

    /** The JSON spelling: the name in lower case. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The decision {@code text} spells (case-insensitive); anything else is refused naming {@code field}. */
    public static ModelDecision parse(String text, String field) {
        return WireNames.parse(ModelDecision.class, values(), text, field);
    }
}
