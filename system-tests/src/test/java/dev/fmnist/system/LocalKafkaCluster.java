package dev.fmnist.system;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A 3-node KRaft cluster of its own, started with {@code deploy/kafka/kafka.sh} as a user would
 * ({@code KAFKA_BROKERS=3}), on free ports and in a temp directory that {@link #close} deletes.
 */
final class LocalKafkaCluster implements AutoCloseable {

    static final int NODES = 3;
    private static final Path SCRIPT = Path.of(System.getProperty("fmnist.root", ".."), "deploy/kafka/kafka.sh");

    private final Path runDir;
    private final int port;
    private final int controllerPort;

    private LocalKafkaCluster(Path runDir, int port, int controllerPort) {
        this.runDir = runDir;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /** Starts the nodes and waits until each answers. */
    static LocalKafkaCluster start() throws IOException, InterruptedException {
        int[] ports = freePortRun();
        LocalKafkaCluster cluster = new LocalKafkaCluster(Files.createTempDirectory("fmnist-cluster"), ports[0], ports[1]);
        cluster.script("start");
        return cluster;
    }

    /** The bootstrap list of all nodes. */
    String bootstrap() {
        StringBuilder servers = new StringBuilder();
        for (int node = 0; node < NODES; node++) {
            servers.append(node == 0 ? "" : ",").append("127.0.0.1:").append(port + 2 * node);
        }
        return servers.toString();
    }

    /** SIGKILLs node {@code node} (1-3): a broker failure. */
    void kill(int node) throws IOException, InterruptedException {
        script("kill", Integer.toString(node));
    }

    /** Starts the nodes that are not running (one {@link #kill}ed) and waits until every node answers. */
    void restart() throws IOException, InterruptedException {
        script("start");
    }

    private void script(String... args) throws IOException, InterruptedException {
        String[] command = Stream.concat(Stream.of("bash", SCRIPT.toString()), Stream.of(args)).toArray(String[]::new);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(runDir.resolve("kafka-sh.log").toFile()));
        builder.environment().putAll(Map.of("KAFKA_BROKERS", Integer.toString(NODES),
                "FMNIST_RUN_DIR", runDir.toString(), "KAFKA_PORT", Integer.toString(port),
                "KAFKA_CONTROLLER_PORT", Integer.toString(controllerPort)));
        Process process = builder.start();
        if (!process.waitFor(3, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IllegalStateException("kafka.sh " + String.join(" ", args) + " failed; see "
                    + runDir.resolve("kafka-sh.log") + ":\n" + Files.readString(runDir.resolve("kafka-sh.log")));
        }
    }

    /** Two bases whose nodes' ports (base, +2, +4) are all free: listeners, then controllers. */
    private static int[] freePortRun() {
        for (int attempt = 0; attempt < 200; attempt++) {
            int base = 20000 + 2 * ThreadLocalRandom.current().nextInt(10000);
            boolean free = true;
            for (int offset = 0; offset < 2 * NODES && free; offset++) {
                free = isFree(base + offset);
            }
            if (free) {
                return new int[] {base, base + 1};
            }
        }
        throw new IllegalStateException("no run of " + 2 * NODES + " free ports found");
    }

    private static boolean isFree(int candidate) {
        try {
            new ServerSocket(candidate).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            script("stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try (Stream<Path> files = Files.walk(runDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
