package dev.fmnist.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real Prometheus (Debian's package) scraping a {@link TestStack}, with the repository's alert rules. */
final class PrometheusServer implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("fmnist.root", ".."));
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int port = TestStack.freePort();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;

    PrometheusServer start(TestStack stack) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of("target", "prometheus-" + stack.prefix));
        Path config = dir.resolve("prometheus.yml");
        // the same jobs as deploy/prometheus/prometheus.yml, on the stack's ports, scraped every second
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - %s
                scrape_configs:
                  - job_name: fmnist-trainer
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                  - job_name: fmnist-inference
                    metrics_path: /q/metrics
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(ROOT.resolve("deploy/prometheus/alerts.yml").toAbsolutePath(), stack.trainerHttp,
                stack.inferenceHttp));
        process = new ProcessBuilder(List.of("prometheus", "--config.file=" + config.toAbsolutePath(),
                "--storage.tsdb.path=" + dir.resolve("data").toAbsolutePath(), "--web.listen-address=127.0.0.1:" + port))
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        for (int i = 0; i < 120; i++) {
            if (ready()) {
                return this;
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Prometheus not ready; see " + dir.resolve("prometheus.log"));
    }

    /** Its address, for clients such as fmnist dashboards. */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    /** An instant query through the HTTP API: the whole answer (status, data.result or error). */
    JsonNode query(String promql) throws IOException, InterruptedException {
        return JSON.readTree(get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).body());
    }

    JsonNode api(String path) throws IOException, InterruptedException {
        return JSON.readTree(get(path).body());
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private boolean ready() throws InterruptedException {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening yet
        }
    }

    @Override
    public void close() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
