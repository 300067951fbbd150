package dev.fmnist.trainer;

import dev.fmnist.trainer.cli.TrainerCli;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/**
 * Entry point of the trainer-service jar: {@code train} (and the other local commands) run without
 * starting the service; anything else starts the Quarkus service.
 */
@QuarkusMain
public final class TrainerMain {

    private TrainerMain() {}

    public static void main(String... args) {
        if (TrainerCli.isLocalCommand(args)) {
            System.exit(TrainerCli.execute(args));
        }
        Quarkus.run(args);
    }
}
