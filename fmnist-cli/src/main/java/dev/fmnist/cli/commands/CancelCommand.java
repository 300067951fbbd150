package dev.fmnist.cli.commands;

import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.history.CurrentStates;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.contract.experiments.ControlCommand;
import dev.fmnist.contract.experiments.ExperimentState;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Sends a cancel on the control topic, which every trainer reads: a running experiment stops at its
 * next batch, a queued one ends CANCELLED when its turn comes, a sweep's remaining runs are skipped.
 */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a queued or running experiment or sweep.",
        footer = ExitCode.HELP_FOOTER)
public final class CancelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "ID")
    String id;

    @Mixin
    KafkaOptions kafka;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws IOException {
        Broker broker = new Broker(kafka);
        Optional<ExperimentState> known = CurrentStates.read(broker).get(id);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("experimentId", id);
        if (known.isPresent() && known.get().isEnded()) {
            result.put("cancelSent", false);
            result.put("status", known.get().status());
            print(result, id + " already ended " + known.get().status() + "; nothing to cancel");
            return ExitCode.OK;
        }
        broker.send(kafka.control(), id, ControlCommand.cancel(id).toJson());
        result.put("cancelSent", true);
        result.put("status", known.map(ExperimentState::status).orElse(null));
        print(result, known.isPresent() ? "cancel sent for " + id + " (" + known.get().status() + ")"
                : "cancel sent for " + id + " (no events yet: it applies when a trainer takes it from the queue)");
        return ExitCode.OK;
    }

    private void print(Map<String, Object> result, String human) {
        if (output.json()) {
            Json.print(spec.commandLine().getOut(), result);
        } else {
            spec.commandLine().getOut().println(human);
        }
    }
}
