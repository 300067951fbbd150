package dev.fmnist.trainer.messaging;

import dev.fmnist.contract.kafka.TestTopics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The packaged trainer as a process of its own, on the test broker, under a test prefix. */
final class TrainerProcess {

    private TrainerProcess() {}

    /** Starts a trainer named {@code worker} with one PyTorch thread; its log goes to a temp file. */
    static Process start(String prefix, String worker) throws IOException {
        Path jar = Path.of(System.getProperty("trainer.app", "target/quarkus-app/quarkus-run.jar"));
        Path log = Files.createTempFile("trainer-" + worker, ".log");
        return new ProcessBuilder("java",
                "-Xmx1g",
                "-Dquarkus.http.port=0",
                "-D" + TestTopics.PREFIX_PROPERTY + "=" + prefix,
                "-Dkafka.bootstrap.servers=" + TestTopics.bootstrap(),
                "-Dfmnist.trainer.worker=" + worker,
                "-Dfmnist.trainer.threads=1",
                "-jar", jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }
}
