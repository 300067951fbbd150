package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fmnist.charts.dashboards.DashboardVariables;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.contract.data.FashionMnistFile;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import java.io.IOException;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dashboards and alert rules in deploy/ against the real thing: both services (after a short
 * training run and with inference traffic flowing) scraped by a real Prometheus, every PromQL
 * expression evaluated through its HTTP API. A panel that points at a metric no service exports
 * returns no data and fails here.
 */
@NeedsBroker
class ObservabilityIT {

    /** The test images, where the product finds them ($FMNIST_DATA_DIR, ./data/fashion-mnist, Debian's). */
    private static final Path TEST_IMAGES = IdxFixtures.realFile(FashionMnistFile.TEST_IMAGES);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Grafana would put for its variables: a window of several 1 s scrapes, every experiment. */
    private static final DashboardVariables VARIABLES = new DashboardVariables(Duration.ofSeconds(15),
            DashboardVariables.ALL);
    private static final long DATA_TIMEOUT_MS = 90_000;
    /** How long one REST inference may take to connect, and then to answer. */
    private static final int REST_TIMEOUT_MS = 5_000;

    private static TestStack stack;
    private static PrometheusServer prometheus;
    private static Thread traffic;
    private static final AtomicBoolean running = new AtomicBoolean(true);

    @BeforeAll
    static void trainServeAndScrape() throws Exception {
        stack = new TestStack().start();
        CapturedRun trained = CliRun.with(stack.kafkaOnly(), "submit", "-a", "mlp", "--epochs", "2", "--batch-size", "100",
                "--train-limit", "20000", "--watch");
        assertThat(trained.exitCode()).as(trained.toString()).isZero();
        shadowAChallenger();
        prometheus = new PrometheusServer().start(stack);
        traffic = new Thread(() -> {
            while (running.get()) {
                CliRun.with(stack.grpcOnly(), "classify", TEST_IMAGES.toString(), "--limit", "50");
                // labels for the live-accuracy panels: one class for every image, so some answers are right
                CliRun.with(stack.grpcOnly(), "classify", TEST_IMAGES.toString(), "--limit", "20", "--label", "ankle boot");
                CliRun.with(stack.grpcOnly(), "classify", "/nonexistent.png"); // a client-side error, not sent
                restInfer(); // the serving dashboard's REST series
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "inference-traffic");
        traffic.start();
    }

    /**
     * A second, smaller MLP, which goes live (the model follows the newest), and the first one beside it
     * as a shadow challenger scoring every request: the live-accuracy panels' agreement and shadow series.
     */
    private static void shadowAChallenger() throws Exception {
        CapturedRun second = CliRun.with(stack.kafkaOnly(), "submit", "-a", "mlp", "--epochs", "1", "--batch-size", "100",
                "--train-limit", "5000", "--watch");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        List<String> versions = new ArrayList<>();
        for (JsonNode artefact : JSON.readTree(CliRun.with(stack.kafkaOnly(), "models", "-o", "json").out())) {
            versions.add(artefact.path("version").asText());
        }
        assertThat(versions).hasSize(2);
        ModelControl challenge = ModelControl.decided("mlp", null, versions.get(0), ChallengerMode.SHADOW, 1.0,
                ModelDecision.CHALLENGE, List.of("ObservabilityIT: the first MLP in shadow"), "operator");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(
                Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap)), new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topic.MODEL_CONTROL.name(stack.prefix), "mlp", challenge.toJson())).get();
        }
    }

    /** One KServe v2 REST inference of a blank image; its answer does not matter, its request is measured. */
    private static void restInfer() {
        String body = "{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[1,784],\"data\":["
                + "0,".repeat(783) + "0]}]}";
        HttpURLConnection c = null;
        try {
            c = (HttpURLConnection) URI.create("http://127.0.0.1:" + stack.inferenceHttp
                    + "/v2/models/mlp/infer").toURL().openConnection();
            // a service that hangs must not hang the traffic thread, which stop() waits for
            c.setConnectTimeout(REST_TIMEOUT_MS);
            c.setReadTimeout(REST_TIMEOUT_MS);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body.getBytes(StandardCharsets.UTF_8));
            }
            c.getResponseCode();
        } catch (IOException e) {
            // the service is still starting or already stopping, or timed out: the next round tries again
        } finally {
            if (c != null) {
                c.disconnect();
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        running.set(false);
        if (traffic != null) {
            traffic.join(TimeUnit.SECONDS.toMillis(30));
        }
        if (prometheus != null) {
            prometheus.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyDashboardPanelQueryReturnsData() throws Exception {
        Map<String, String> queries = new LinkedHashMap<>();
        try (var files = Files.list(PrometheusServer.ROOT.resolve("deploy/grafana/dashboards"))) {
            for (Path file : files.sorted().toList()) {
                JsonNode dashboard = JSON.readTree(file.toFile());
                for (JsonNode panel : dashboard.get("panels")) {
                    for (JsonNode target : panel.get("targets")) {
                        queries.put(file.getFileName() + " / " + panel.get("title").asText() + " / "
                                + target.get("refId").asText(), target.get("expr").asText());
                    }
                }
            }
        }
        assertThat(queries).hasSizeGreaterThan(20);

        Map<String, String> failing = new LinkedHashMap<>(); // panel -> query and Prometheus's last answer
        List<String> pending = new ArrayList<>(queries.keySet());
        long deadline = System.currentTimeMillis() + DATA_TIMEOUT_MS;
        while (!pending.isEmpty() && System.currentTimeMillis() < deadline) {
            failing.clear();
            for (String panel : new ArrayList<>(pending)) {
                JsonNode answer = prometheus.query(VARIABLES.substitute(queries.get(panel)));
                if ("success".equals(answer.path("status").asText()) && !answer.path("data").path("result").isEmpty()) {
                    pending.remove(panel);
                } else {
                    failing.put(panel, queries.get(panel) + " -> " + answer);
                }
            }
            Thread.sleep(1000);
        }
        assertThat(failing).as("panels whose query errs or returns no data").isEmpty();
    }

    @Test
    void theExperimentVariableListsTheTrainedExperiment() throws Exception {
        JsonNode values = null;
        long deadline = System.currentTimeMillis() + DATA_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) { // until the first scrapes are in
            values = prometheus.api("/api/v1/label/experiment/values?match[]=fmnist_training_last_loss");
            if (!values.path("data").isEmpty()) {
                break;
            }
            Thread.sleep(1000);
        }
        assertThat(values.path("data")).as(values.toString()).isNotEmpty();
    }

    @Test
    void everyAlertRuleParsesAndEvaluatesWithoutError() throws Exception {
        JsonNode rules = new YAMLMapper().readTree(PrometheusServer.ROOT.resolve("deploy/prometheus/alerts.yml").toFile());
        List<String> names = new ArrayList<>();
        for (JsonNode group : rules.get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                JsonNode answer = prometheus.query(rule.get("expr").asText());
                assertThat(answer.path("status").asText()).as(rule.get("alert").asText() + ": " + answer).isEqualTo("success");
                names.add(rule.get("alert").asText());
            }
        }
        // and Prometheus itself loaded the file and evaluates each rule without error
        long deadline = System.currentTimeMillis() + 30_000;
        List<String> healthy = List.of();
        while (System.currentTimeMillis() < deadline) {
            List<String> ok = new ArrayList<>();
            for (JsonNode group : prometheus.api("/api/v1/rules").path("data").path("groups")) {
                for (JsonNode rule : group.path("rules")) {
                    if ("ok".equals(rule.path("health").asText())) {
                        ok.add(rule.path("name").asText());
                    }
                }
            }
            healthy = ok;
            if (healthy.containsAll(names)) {
                break;
            }
            Thread.sleep(1000);
        }
        assertThat(healthy).containsAll(names);
        JsonNode alerts = prometheus.api("/api/v1/alerts");
        assertThat(alerts.toString()).as("nothing is wrong with the healthy stack").doesNotContain("FmnistInferenceNotReady",
                "FmnistTrainerDown", "FmnistInferenceDown");
    }

    /** fmnist dashboards against the real Prometheus: every time-series panel of every dashboard draws a line. */
    @Test
    void everyDashboardIsDrawnWithASeriesInEveryTimeSeriesPanel() throws Exception {
        Path out = Files.createDirectories(Path.of("target", "dashboards-" + stack.prefix));
        Map<String, List<String>> empty = new LinkedHashMap<>(); // dashboard -> time-series panels without a series
        CapturedRun run = null;
        long deadline = System.currentTimeMillis() + DATA_TIMEOUT_MS;
        do {
            empty.clear();
            run = CapturedRun.of("dashboards", "--prometheus", prometheus.url(), "--since", "5m", "--scrape-interval", "1s",
                    "--dashboards-dir", PrometheusServer.ROOT.resolve("deploy/grafana/dashboards").toString(),
                    "--out", out.toString(), "-o", "json");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            for (JsonNode dashboard : JSON.readTree(run.out()).path("dashboards")) {
                for (JsonNode panel : dashboard.path("panels")) {
                    if ("timeseries".equals(panel.path("type").asText()) && panel.path("series").asInt() < 1) {
                        empty.computeIfAbsent(dashboard.path("dashboard").asText(), d -> new ArrayList<>())
                                .add(panel.path("title").asText());
                    }
                }
            }
            if (!empty.isEmpty()) {
                Thread.sleep(1000);
            }
        } while (!empty.isEmpty() && System.currentTimeMillis() < deadline);
        assertThat(empty).as("time-series panels drawn without a series; " + run).isEmpty();
        assertThat(out.resolve("training.png")).isNotEmptyFile();
        assertThat(out.resolve("serving.png")).isNotEmptyFile();
        assertThat(out.resolve("triton-compat.png")).isNotEmptyFile();
    }
}
