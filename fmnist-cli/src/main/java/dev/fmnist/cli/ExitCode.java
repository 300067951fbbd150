package dev.fmnist.cli;

/** What {@code fmnist}'s exit status means; listed in {@code fmnist --help}. */
public final class ExitCode {

    public static final int OK = 0;
    /** Something unexpected; rerun with --verbose for the stack trace. */
    public static final int ERROR = 1;
    /** Unknown flag, bad value or invalid experiment request. */
    public static final int USAGE = 2;
    /** The broker, the inference service or Prometheus could not be reached. */
    public static final int UNREACHABLE = 3;
    /** No such experiment, report or model. */
    public static final int NOT_FOUND = 4;
    /** Kafka refused this client: its login failed, or no ACL lets it read or write what it asked for. */
    public static final int REFUSED = 5;
    /** The experiment ended FAILED (watch, submit --watch). */
    public static final int FAILED = 10;
    /** The experiment ended CANCELLED. */
    public static final int CANCELLED = 11;
    /** The trainer rejected the request. */
    public static final int REJECTED = 12;

    public static final String HELP_FOOTER = "%nExit status: 0 ok, 1 unexpected error, 2 bad usage or invalid request, "
            + "3 broker, inference service or Prometheus unreachable, 4 not found, 5 refused by Kafka (login or ACL), "
            + "10 experiment FAILED, 11 CANCELLED, 12 REJECTED.";

    private ExitCode() {}
}
