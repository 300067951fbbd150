package dev.fmnist.contract.experiments;

/**
 * An experiment request breaks a rule; {@code field} and {@code rule} say which, for the REJECTED
 * event and the dead-letter headers.
 */
public class RequestRejectedException extends RuntimeException {

    private final String field;
    private final String rule;

    public RequestRejectedException(String field, String rule) {
        super(field + ": " + rule);
        this.field = field;
        this.rule = rule;
    }

    public String field() {
        return field;
    }

    public String rule() {
        return rule;
    }

    /** Turns an engine rule violation ("field: rule, got x") into a rejection naming the field. */
    static RequestRejectedException from(IllegalArgumentException e, String fallbackField) {
        String message = e.getMessage() == null ? "invalid" : e.getMessage();
        int colon = message.indexOf(": ");
        if (colon > 0 && message.substring(0, colon).matches("[A-Za-z.\\[\\]0-9]+")) {
            return new RequestRejectedException(message.substring(0, colon), message.substring(colon + 2));
        }
        return new RequestRejectedException(fallbackField, message);
    }
}
