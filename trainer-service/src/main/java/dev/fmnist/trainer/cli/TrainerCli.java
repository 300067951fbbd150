package dev.fmnist.trainer.cli;

import java.io.PrintWriter;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/** The trainer's local commands, run from the service jar without Kafka. */
@Command(name = "trainer-service", mixinStandardHelpOptions = true,
        description = "Local commands of the fmnist trainer; without a command the service starts.",
        subcommands = {TrainCommand.class, MatmulCommand.class, ForwardCommand.class, ConvCheckCommand.class,
            PlotSweepCommand.class, PlotEpochsCommand.class})
public final class TrainerCli {

    private static final Set<String> HELP_OPTIONS = Set.of("--help", "-h", "--version", "-V");

    /**
     * Whether {@code args} name a local command (a subcommand above, or help) rather than starting the
     * service; read from the subcommands themselves, so a new one cannot start the service instead.
     */
    public static boolean isLocalCommand(String... args) {
        return args.length > 0 && (HELP_OPTIONS.contains(args[0])
                || new CommandLine(new TrainerCli()).getSubcommands().containsKey(args[0]));
    }

    /** Runs a local command on standard out and err; returns its exit code (0 ok, 1 failed, 2 bad usage). */
    public static int execute(String... args) {
        return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs a local command; failures print one line naming the problem, without a stack trace. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return new CommandLine(new TrainerCli())
                .setOut(out)
                .setErr(err)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + e.getMessage());
                    return 1;
                })
                .execute(args);
    }
}
