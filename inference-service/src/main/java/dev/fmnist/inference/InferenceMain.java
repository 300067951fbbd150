package dev.fmnist.inference;

import dev.fmnist.inference.loadgen.LoadGeneratorCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;
import picocli.CommandLine;

/** Entry point of the inference-service jar: {@code loadgen} runs the load generator; anything else starts the service. */
@QuarkusMain
public final class InferenceMain {

    private InferenceMain() {}

    public static void main(String... args) {
        if (args.length > 0 && args[0].equals("loadgen")) {
            String[] rest = Arrays.copyOfRange(args, 1, args.length);
            System.exit(new CommandLine(new LoadGeneratorCommand())
                    .setExecutionExceptionHandler((e, cmd, parsed) -> {
                        cmd.getErr().println("error: " + e.getMessage());
                        return 1;
                    }).execute(rest));
        }
        Quarkus.run(args);
    }
}
