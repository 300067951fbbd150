package dev.fmnist.cli.commands;

import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.OutputOptions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"Follow an experiment until it ends: a live progress bar per epoch, a line per finished epoch,",
            "the terminal status. A finished experiment is replayed. With --output json: one event per line."},
        footer = ExitCode.HELP_FOOTER)
public final class WatchCommand implements Callable<Integer> {

    /** Whether to draw the in-place progress bar. */
    public static final class ProgressOption {
        enum When { auto, always, never }

        @Option(names = "--progress", paramLabel = "WHEN", defaultValue = "auto",
                description = "progress bar: auto (on a terminal), always or never (default: ${DEFAULT-VALUE})")
        When when;

        boolean draw() {
            return when == When.always || (when == When.auto && System.console() != null);
        }
    }

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID", description = "experiment or sweep id")
    String id;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    @Mixin
    ProgressOption progress;

    @Override
    public Integer call() {
        return new ExperimentWatcher(new Broker(kafka), spec.commandLine().getOut(), spec.commandLine().getErr(),
                output.json(), progress.draw()).watch(id);
    }
}
