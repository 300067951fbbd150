package dev.fmnist.cli;

import dev.fmnist.cli.commands.CancelCommand;
import dev.fmnist.cli.commands.ClassifyCommand;
import dev.fmnist.cli.commands.DashboardsCommand;
import dev.fmnist.cli.commands.FeedbackCommand;
import dev.fmnist.cli.commands.ListCommand;
import dev.fmnist.cli.commands.ModelsCommand;
import dev.fmnist.cli.commands.ReportCommand;
import dev.fmnist.cli.commands.ShowCommand;
import dev.fmnist.cli.commands.SubmitCommand;
import dev.fmnist.cli.commands.WatchCommand;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/** {@code fmnist}: the command-line client of the platform. */
@Command(name = "fmnist", mixinStandardHelpOptions = true, version = "fmnist 0.1.0",
        description = "Queue and watch Fashion-MNIST experiments over Kafka, classify images over gRPC, and report.",
        subcommands = {SubmitCommand.class, WatchCommand.class, ListCommand.class, ShowCommand.class,
            CancelCommand.class, ClassifyCommand.class, FeedbackCommand.class, ReportCommand.class, ModelsCommand.class,
            DashboardsCommand.class, CommandLine.HelpCommand.class},
        footer = ExitCode.HELP_FOOTER)
public final class FmnistCli implements Runnable {

    private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";
    private static final String KAFKA_LOG_LEVEL = "org.slf4j.simpleLogger.log.org.apache.kafka";

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required: submit, watch, list, show, cancel, "
                + "classify, feedback, report, models or dashboards");
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(execute(out, err, args));
    }

    /** Runs one command line; what it prints goes to {@code out} and {@code err}; returns the exit status. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose") || Arrays.asList(args).contains("-v");
        // the Kafka client logs every failed connection attempt: only the one-line error by default
        System.setProperty(LOG_LEVEL, verbose ? "info" : "error");
        // and at ERROR what the one line already says (a refused login or topic, through Broker's BrokerFailure)
        System.setProperty(KAFKA_LOG_LEVEL, verbose ? "info" : "off");
        CommandLine cli = new CommandLine(new FmnistCli());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler((e, arguments) -> {
            err.println("fmnist: " + (isUnknownCommand(e) ? "unknown command '"
                    + ((UnmatchedArgumentException) e).getUnmatched().get(0) + "'" : e.getMessage()));
            if (e instanceof UnmatchedArgumentException unmatched) {
                UnmatchedArgumentException.printSuggestions(unmatched, err);
            }
            err.println("Run '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof CliException expected) {
                err.println("fmnist: " + expected.getMessage());
                if (verbose && expected.getCause() != null) {
                    expected.getCause().printStackTrace(err);
                }
                return expected.exitCode();
            }
            err.println("fmnist: unexpected error: " + e + (verbose ? "" : " (--verbose shows the stack trace)"));
            if (verbose) {
                e.printStackTrace(err);
            }
            return ExitCode.ERROR;
        });
        cli.setExecutionStrategy(FmnistCli::refuseUnmatchedThenRun);
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /**
     * picocli skips its unmatched-argument check once a help flag is seen, so {@code fmnist sumbit --help} would
     * print the top-level help and exit 0: a word no command took is refused here, whatever flags came with it.
     */
    private static int refuseUnmatchedThenRun(ParseResult parseResult) {
        for (ParseResult level = parseResult; level != null; level = level.subcommand()) {
            List<String> unmatched = level.unmatched();
            if (!unmatched.isEmpty()) {
                throw new UnmatchedArgumentException(level.commandSpec().commandLine(), unmatched);
            }
        }
        return new CommandLine.RunLast().execute(parseResult);
    }

    /** A word where a command with subcommands expected one of them. */
    private static boolean isUnknownCommand(ParameterException e) {
        return e instanceof UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()
                && !unmatched.getUnmatched().get(0).startsWith("-")
                && !unmatched.getCommandLine().getSubcommands().isEmpty();
    }
}
