package dev.fmnist.system;

import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.kafka.KafkaOptions;
import dev.fmnist.contract.kafka.TestTopics;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real stack for the CLI's tests: the broker .ci/run started, topics of their own (a fresh
 * prefix, so nothing else's records are seen), and the packaged trainer and inference services
 * started as processes on free ports.
 */
final class TestStack implements AutoCloseable {

    private static final long READY_TIMEOUT_MS = 180_000;
    private static final Pattern DEVICE_GAUGE = Pattern.compile("fmnist_trainer_device\\{device=\"([^\"]+)\"");

    /** Topics of its own, created as production creates them. */
    final String prefix;
    final String bootstrap;
    final int grpcPort = freePort();
    final int trainerHttp = freePort();
    final int inferenceHttp = freePort();
    private final List<Process> processes = new ArrayList<>();

    /** On the broker .ci/run started, under a fresh prefix. */
    TestStack() {
        this(TestTopics.bootstrap(), TestTopics.fresh("it"));
    }

    /** On {@code bootstrap}, under {@code prefix}, whose topics the caller created. */
    TestStack(String bootstrap, String prefix) {
        this.bootstrap = bootstrap;
        this.prefix = prefix;
    }

    /** Both services on the stack's topics; returns once the trainer is ready and the inference service live. */
    TestStack start() throws Exception {
        startTrainer();
        startInference(List.of());
        awaitHttp(trainerHttp, "/q/health/ready", 200);
        awaitHttp(inferenceHttp, "/q/health/live", 200); // ready only once a model is served
        return this;
    }

    void startTrainer() throws IOException {
        startTrainer("trainer", trainerHttp, List.of());
    }

    /** Another trainer of the same group, named {@code worker}, with one PyTorch thread; started again after a kill, the same one. */
    Process startTrainer(String worker, int httpPort) throws IOException {
        return startTrainer(worker, httpPort, List.of("-Dfmnist.trainer.worker=" + worker, "-Dfmnist.trainer.threads=1"));
    }

    private Process startTrainer(String name, int httpPort, List<String> extra) throws IOException {
        List<String> properties = new ArrayList<>(List.of(
                "-Dquarkus.http.port=" + httpPort,
                "-D" + TestTopics.PREFIX_PROPERTY + "=" + prefix,
                "-Dkafka.bootstrap.servers=" + bootstrap,
                "-Dfmnist.trainer.progress-interval-ms=100"));
        properties.addAll(extra);
        Process process = start(name, System.getProperty("trainer.app"), properties);
        processes.add(process);
        return process;
    }

    /** The inference service serving the MLPs the tests train; {@code extra} adds or overrides settings. */
    Process startInference(List<String> extra) throws IOException {
        return startInference("inference", grpcPort, inferenceHttp, extra);
    }

    /** An inference replica named {@code name} (its log's name) on the given ports. */
    Process startInference(String name, int grpc, int http, List<String> extra) throws IOException {
        List<String> properties = new ArrayList<>(List.of(
                "-Dquarkus.http.port=" + http,
                "-Dquarkus.grpc.server.port=" + grpc,
                "-D" + TestTopics.PREFIX_PROPERTY + "=" + prefix,
                "-Dkafka.bootstrap.servers=" + bootstrap,
                "-Dfmnist.serving.models=mlp"));
        properties.addAll(extra);
        Process process = start(name, System.getProperty("inference.app"), properties);
        processes.add(process);
        return process;
    }

    /** Stops one of the stack's processes (SIGTERM, then SIGKILL after 20 s) and forgets it. */
    void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        processes.remove(process);
    }

    /** SIGKILLs one of the stack's processes (a crash: no shutdown hook runs) and forgets it. */
    void kill(Process process) throws InterruptedException {
        process.destroyForcibly().waitFor();
        processes.remove(process);
    }

    /** The flags that point the CLI at this stack. */
    List<String> connection() {
        return List.of("--bootstrap-servers", bootstrap, "--topic-prefix", prefix, "--target", "127.0.0.1:" + grpcPort);
    }

    List<String> grpcOnly() {
        return List.of("--target", "127.0.0.1:" + grpcPort);
    }

    List<String> kafkaOnly() {
        return List.of("--bootstrap-servers", bootstrap, "--topic-prefix", prefix);
    }

    /** The CLI's Kafka access to this stack's topics (30 s timeout), for a test that reads them itself. */
    Broker broker() {
        KafkaOptions options = new KafkaOptions();
        options.bootstrapServers = bootstrap;
        options.topicPrefix = prefix;
        options.timeoutSeconds = 30;
        return new Broker(options);
    }

    private Process start(String name, String jar, List<String> properties) throws IOException {
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException(name + " jar missing (" + jar + "): package the services first");
        }
        List<String> command = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1"));
        command.addAll(properties);
        command.addAll(List.of("-jar", jar));
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(prefix + "-" + name + ".log").toFile()));
        // the services read this variable too, and it would win over the property: the stack's broker
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrap);
        return builder.start();
    }

    /** The device the trainer's engine reports (its {@code fmnist_trainer_device} gauge), once it has trained. */
    String trainerDevice() throws IOException {
        Matcher device = DEVICE_GAUGE.matcher(metrics(trainerHttp));
        if (!device.find()) {
            throw new IllegalStateException("the trainer reports no device yet");
        }
        return device.group(1);
    }

    /** A service's Prometheus page. */
    static String metrics(int httpPort) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + "/q/metrics").toURL()
                .openConnection();
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The value of the first sample of {@code series} (name and labels as printed) on a service's page; 0 if absent. */
    static double sample(int httpPort, String series) throws IOException {
        for (String line : metrics(httpPort).split("\n")) {
            line = line.replace(",}", "}"); // the text format a plain client is given ends label sets with a comma
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    void awaitHttp(int port, String path, int status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + READY_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL()
                        .openConnection();
                if (c.getResponseCode() == status) {
                    return;
                }
            } catch (IOException e) {
                // not up yet
            }
            if (processes.stream().anyMatch(p -> !p.isAlive())) {
                throw new IllegalStateException("a service exited while starting; see target/it-logs");
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("port " + port + path + " never answered " + status + "; see target/it-logs");
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        processes.forEach(Process::destroy);
        for (Process p : processes) {
            try {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
