package dev.fmnist.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A single-node KRaft broker with the settings of {@code docker-compose.sasl.yml}'s {@code kafka}
 * service (SASL/PLAIN on every listener, {@code StandardAuthorizer}, one super user), run from
 * {@code deploy/kafka}'s jars on this machine: the compose file is rendered by {@code docker-compose
 * config} with the passwords given, its {@code KAFKA_*} variables turned into broker settings as the
 * apache/kafka image does, and only its host names and ports changed (loopback, free ports). Its run
 * directory is a temporary one that {@link #close} deletes, with the broker.
 */
final class SaslKafkaBroker implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("fmnist.root", ".."));
    static final List<String> COMPOSE = List.of("docker-compose", "-f", "docker-compose.yml", "-f",
            "docker-compose.sasl.yml");
    private static final Path LIB = ROOT.resolve("deploy/kafka/target/lib");
    private static final long START_SECONDS = 90;

    private final Path runDir;
    private final Process process;
    private final int port;
    private final JsonNode services;

    private SaslKafkaBroker(Path runDir, Process process, int port, JsonNode services) {
        this.runDir = runDir;
        this.process = process;
        this.port = port;
        this.services = services;
    }

    /** Renders the compose files with {@code passwords} (variable to value), starts the broker, waits for it. */
    static SaslKafkaBroker start(Map<String, String> passwords) throws IOException, InterruptedException {
        if (!Files.exists(LIB.resolve(".complete"))) {
            throw new IllegalStateException("no broker jars in " + LIB + ": run deploy/kafka/kafka.sh start once "
                    + "(bin/test does), it fetches them");
        }
        JsonNode services = render(passwords).get("services");
        int port = TestStack.freePort();
        int controllerPort = TestStack.freePort();
        Path runDir = Files.createTempDirectory("fmnist-sasl");
        Path config = runDir.resolve("server.properties");
        List<String> lines = new ArrayList<>();
        brokerSettings(services.get("kafka").get("environment"), port, controllerPort)
                .forEach((key, value) -> lines.add(key + "=" + value.replace("\\", "\\\\")));
        lines.add("log.dirs=" + runDir.resolve("data"));
        Files.write(config, lines);
        Path log = runDir.resolve("kafka.log");
        run(log, java("kafka.tools.StorageTool", "format", "--cluster-id", "fmnist-sasl-kraft01", "--config",
                config.toString(), "--ignore-formatted"));
        Process process = new ProcessBuilder(java("kafka.Kafka", config.toString())).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        SaslKafkaBroker broker = new SaslKafkaBroker(runDir, process, port, services);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (!listening(port)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String output = Files.readString(log);
                broker.close();
                throw new IllegalStateException("the SASL broker did not start; its log:\n" + output);
            }
            Thread.sleep(200);
        }
        return broker;
    }

    /** The bootstrap address. */
    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** The environment compose gives {@code service}, as rendered (merge keys resolved). */
    Map<String, String> environment(String service) {
        Map<String, String> environment = new LinkedHashMap<>();
        services.get(service).get("environment").properties()
                .forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
        return environment;
    }

    /**
     * The apache/kafka image's rule: every {@code KAFKA_} variable is a setting, lower-cased, {@code ___}
     * for {@code _}, {@code __} for {@code -}, {@code _} for {@code .}; compose's host and ports become
     * loopback and the free ports.
     */
    static Map<String, String> brokerSettings(JsonNode environment, int port, int controllerPort) {
        Map<String, String> settings = new LinkedHashMap<>();
        environment.properties().forEach(e -> {
            if (e.getKey().startsWith("KAFKA_") && !e.getKey().equals("KAFKA_LOG_DIRS")) {
                String key = e.getKey().substring("KAFKA_".length()).toLowerCase(Locale.ROOT)
                        .replace("___", "\u0000").replace("__", "-").replace('_', '.').replace('\u0000', '_');
                String value = e.getValue().asText()
                        .replace("kafka:9092", "127.0.0.1:" + port).replace("kafka:9093", "127.0.0.1:" + controllerPort)
                        .replace("://:9092", "://127.0.0.1:" + port).replace("://:9093", "://127.0.0.1:" + controllerPort);
                settings.put(key, value);
            }
        });
        return settings;
    }

    private static JsonNode render(Map<String, String> passwords) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(COMPOSE);
        command.add("config");
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile());
        builder.environment().putAll(passwords);
        builder.environment().put("GRAFANA_ADMIN_PASSWORD", "checked-only");
        Process compose = builder.start();
        byte[] out = compose.getInputStream().readAllBytes();
        String err = new String(compose.getErrorStream().readAllBytes());
        if (compose.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + err);
        }
        return new YAMLMapper().readTree(out);
    }

    private static List<String> java(String main, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms128m", "-Xmx512m", "-Dlog4j2.configurationFile=" + ROOT.resolve("deploy/kafka/log4j2.xml"),
                "-cp", LIB + "/*", main));
        command.addAll(List.of(args));
        return command;
    }

    private static void run(Path log, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(2, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + Files.readString(log));
        }
    }

    private static boolean listening(int port) {
        try {
            new Socket("127.0.0.1", port).close();
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            try (Stream<Path> files = Files.walk(runDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
