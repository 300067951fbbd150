package dev.fmnist.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.output.Json;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fmnist dashboards} against a fake Prometheus (the JDK's HTTP server on a free port) answering the
 * real dashboards' queries with canned JSON: the pictures, the queries as Prometheus receives them, the
 * refusals. No broker.
 */
class DashboardsCommandTest {

    private static final Path DASHBOARDS = Path.of(System.getProperty("fmnist.root", ".."), "deploy/grafana/dashboards");
    private static final String UNTIL = "2026-12-06T08:30:00Z";
    private static final long END_SECONDS = 1796545800L; // UNTIL

    @TempDir
    Path dir;

    private HttpServer prometheus;
    private String url;
    /** Each query as received: the API path and its parameters. */
    private final List<Map<String, String>> received = new CopyOnWriteArrayList<>();
    /** What the fake answers to an expression; no data where it returns null. */
    private volatile java.util.function.Function<String, String> answer = expr -> null;

    @BeforeEach
    void startFakePrometheus() throws IOException {
        prometheus = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        prometheus.createContext("/api/v1/", this::handle);
        prometheus.start();
        url = "http://127.0.0.1:" + prometheus.getAddress().getPort();
    }

    @AfterEach
    void stop() {
        prometheus.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        Map<String, String> params = new HashMap<>();
        for (String pair : exchange.getRequestURI().getRawQuery().split("&")) {
            String[] kv = pair.split("=", 2);
            params.put(kv[0], URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
        }
        params.put("path", exchange.getRequestURI().getPath());
        received.add(params);
        String expr = params.get("query");
        boolean range = exchange.getRequestURI().getPath().endsWith("/query_range");
        String result = answer.apply(expr);
        String body;
        int status = 200;
        if ("ERROR".equals(result)) {
            status = 400;
            body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"1:5: parse error: unexpected <by>\"}";
        } else if (result == null) {
            body = "{\"status\":\"success\",\"data\":{\"resultType\":\"" + (range ? "matrix" : "vector") + "\",\"result\":[]}}";
        } else if (range) {
            long start = Long.parseLong(params.get("start").replaceAll("\\..*", ""));
            StringBuilder values = new StringBuilder();
            for (int i = 0; i < 50; i++) {
                values.append(i == 0 ? "" : ",").append("[").append(start + i * 36).append(",\"").append(1 + i % 7).append("\"]");
            }
            body = "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":" + result
                    + ",\"values\":[" + values + "]}]}}";
        } else {
            body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":" + result
                    + ",\"value\":[" + END_SECONDS + ",\"0.925\"]}]}}";
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /** The command with {@code extra}'s options, and the test's for those it leaves out. */
    private CapturedRun dashboards(String... extra) {
        List<String> args = new ArrayList<>(List.of("dashboards"));
        args.addAll(List.of(extra));
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("--prometheus", url);
        defaults.put("--since", "30m");
        defaults.put("--until", UNTIL);
        defaults.put("--dashboards-dir", DASHBOARDS.toString());
        defaults.put("--out", dir.resolve("pictures").toString());
        defaults.forEach((option, value) -> {
            if (!args.contains(option)) {
                args.add(option);
                args.add(value);
            }
        });
        return CapturedRun.of(args.toArray(String[]::new));
    }

    @Test
    void drawsTheServingDashboardFromPrometheusAnswers() throws Exception {
        // the gRPC rates and the live model answer; everything else has no data
        answer = expr -> expr.contains("grpc_server_processing_duration_seconds_count")
                ? "{\"method\":\"Classify\",\"statusCode\":\"OK\"}"
                : expr.contains("fmnist_inference_model_info") ? "{\"instance\":\"h:8081\",\"model\":\"better\",\"version\":\"v1\"}"
                : null;

        CapturedRun run = dashboards("--dashboard", "serving", "-o", "json", "--timezone", "UTC");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        Path png = dir.resolve("pictures/serving.png");
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1544); // 24 columns of 64 px, less a gap, and 8 px either side
        assertThat(image.getHeight()).isEqualTo(40 + 56 * 38 - 8 + 8); // the lowest panel ends at grid row 56
        try (var files = Files.list(dir.resolve("pictures"))) {
            assertThat(files.toList()).containsExactly(png);
        }

        JsonNode result = Json.MAPPER.readTree(run.out());
        assertThat(result.path("step").asText()).isEqualTo("PT9S");
        assertThat(result.path("rateInterval").asText()).isEqualTo("PT20S");
        JsonNode panels = result.path("dashboards").path(0).path("panels");
        Map<String, JsonNode> byTitle = new HashMap<>();
        panels.forEach(p -> byTitle.put(p.path("title").asText(), p));
        JsonNode requests = byTitle.get("Requests / s: gRPC by rpc and code, REST by route and status");
        assertThat(requests.path("outcome").asText()).isEqualTo("DRAWN");
        assertThat(requests.path("names").toString()).isEqualTo("[\"gRPC Classify OK\"]");
        assertThat(byTitle.get("Live model").path("names").toString()).isEqualTo("[\"h:8081: better v1\"]");
        assertThat(byTitle.get("Latency p50 / p95 / p99: gRPC by rpc, REST infer").path("outcome").asText())
                .isEqualTo("NO_DATA");
        assertThat(panels.size()).isEqualTo(18); // 11, and the live-accuracy row with its 6 panels

        // what Prometheus received: the window, a 9 s step, the variables replaced
        Map<String, String> rates = received.stream().filter(q -> q.get("path").endsWith("/query_range")
                && q.get("query").contains("grpc_server_processing_duration_seconds_count")).findFirst().orElseThrow();
        assertThat(rates.get("start")).isEqualTo((END_SECONDS - 1800) + ".000");
        assertThat(rates.get("end")).isEqualTo(END_SECONDS + ".000");
        assertThat(rates.get("step")).isEqualTo("9.000");
        assertThat(rates.get("query")).contains("[20s]").doesNotContain("$");
        // stat panels too are range queries over the window, drawn from their last point (Grafana's lastNotNull)
        assertThat(received).allMatch(q -> q.get("path").endsWith("/query_range"));
        assertThat(received).anyMatch(q -> q.get("query").contains("fmnist_inference_model_info"));
    }

    @Test
    void theExperimentIsEscapedForPromQLsStringAndNotPastedIntoLongerNames() {
        CapturedRun run = dashboards("--dashboard", "training", "--experiment", "exp\\.1|\"q\"");

        assertThat(run.exitCode()).as(run.toString()).isZero();
        // the regular expression exp\.1|"q" inside PromQL's "...": the backslash and the quotes escaped
        assertThat(received).anyMatch(q -> q.get("query").contains("experiment=~\"exp\\\\.1|\\\"q\\\"\""));
        assertThat(received).noneMatch(q -> q.get("query").contains("$"));
    }

    @Test
    void lookaroundAndBackreferencesAreRefusedAsPrometheusWould() {
        for (String regex : List.of("(?!tmp).*", "(?<=a)b", "(a)\\1", "(?>a)")) {
            CapturedRun run = dashboards("--experiment", regex);
            assertThat(run.exitCode()).as(regex).isEqualTo(ExitCode.USAGE);
            assertThat(run.err()).as(regex).contains("--experiment: ", "RE2");
        }
        assertThat(received).isEmpty();
    }

    @Test
    void anOutThatCannotBeAFolderIsAUsageErrorNamingTheOption() throws IOException {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");

        CapturedRun run = dashboards("--dashboard", "training", "--out", file.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("--out: cannot create the folder " + file);
        CapturedRun below = dashboards("--dashboard", "training", "--out", file.resolve("pictures").toString());
        assertThat(below.exitCode()).as(below.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(below.err()).contains("--out: ");
    }

    @Test
    void aBrokenDashboardFileIsAUsageErrorNamingIt() throws IOException {
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("half.json"), "{\"panels\": [");

        CapturedRun run = dashboards("--dashboards-dir", broken.toString());

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.USAGE);
        assertThat(run.err()).contains("--dashboards-dir: ", broken.resolve("half.json") + ": not JSON");
    }

    @Test
    void aPanelWithAVariableThatIsNotFilledInIsNotDrawnAndSaysWhy() throws IOException {
        Path own = Files.createDirectories(dir.resolve("own"));
        Files.writeString(own.resolve("mine.json"), """
                {"title": "Mine", "panels": [
                  {"type": "timeseries", "title": "Per interval", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 6},
                   "targets": [{"refId": "A", "expr": "increase(up[$__interval])"}]},
                  {"type": "timeseries", "title": "Up", "gridPos": {"x": 12, "y": 0, "w": 12, "h": 6},
                   "targets": [{"refId": "A", "expr": "up"}]}]}
                """);
        answer = expr -> "{\"job\":\"a\"}";

        CapturedRun run = dashboards("--dashboards-dir", own.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).contains("mine.png: 2 panels: 1 drawn, 1 not drawn (Per interval: its queries use "
                + "$__interval, which this renderer does not fill in)");
        assertThat(received).extracting(q -> q.get("query")).containsExactly("up");
    }

    @Test
    void theDefaultDrawsEveryDashboardOfTheRepositoryAndSaysWhatHadNoData() {
        CapturedRun run = CapturedRun.of("dashboards", "--prometheus", url + "/", "--since", "1h", "--until", UNTIL,
                "--out", dir.toString());

        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(dir.resolve("training.png")).isNotEmptyFile();
        assertThat(dir.resolve("serving.png")).isNotEmptyFile();
        assertThat(dir.resolve("triton-compat.png")).isNotEmptyFile();
        assertThat(run.out()).contains("training.png: 13 panels: 0 drawn, 13 no data (Experiments ended, by status;");
        assertThat(received).allMatch(q -> q.get("path").startsWith("/api/v1/query"));
    }

    @Test
    void aQueryPrometheusRefusesIsAnErrorNamingItAndPrometheussMessage() {
        answer = expr -> expr.contains("fmnist_training_last_loss") ? "ERROR" : null;

        CapturedRun run = dashboards("--dashboard", "training");

        assertThat(run.exitCode()).isEqualTo(ExitCode.ERROR);
        assertThat(run.err()).contains("Prometheus at " + url + " refused the query fmnist_training_last_loss{",
                "bad_data: 1:5: parse error: unexpected <by>");
    }

    @Test
    void aMissingPrometheusIsUnreachable() {
        prometheus.stop(0);

        CapturedRun run = dashboards("--dashboard", "training");

        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(run.err()).contains("cannot reach Prometheus at " + url);
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() {
        assertThat(dashboards("--since", "30x")).satisfies(r -> {
            assertThat(r.exitCode()).isEqualTo(ExitCode.USAGE);
            assertThat(r.err()).contains("--since: expected a duration such as 30m");
        });
        assertThat(dashboards("--since", "0m").err()).contains("--since: expected more than 0");
        assertThat(dashboards("--until", "yesterday").err()).contains("--until: expected now or an instant");
        assertThat(dashboards("--scrape-interval", "5").err()).contains("--scrape-interval: expected a duration");
        assertThat(dashboards("--experiment", "(").err()).contains("--experiment: not a regular expression");
        assertThat(dashboards("--timezone", "Mars/Olympus").err()).contains("--timezone: no such time zone");
        CapturedRun unknown = dashboards("--dashboard", "nope");
        assertThat(unknown.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(unknown.err()).contains("--dashboard: no dashboard 'nope'; there are: serving, training, triton-compat");
        CapturedRun scheme = dashboards("--prometheus", "ftp://host");
        assertThat(scheme.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(scheme.err()).contains("--prometheus: expected an address such as http://127.0.0.1:9090");
        CapturedRun noDir = dashboards("--dashboards-dir", dir.resolve("none").toString());
        assertThat(noDir.exitCode()).isEqualTo(ExitCode.USAGE);
        assertThat(noDir.err()).contains("--dashboards-dir: no such folder");
        assertThat(received).as("nothing was queried for a refused command line").isEmpty();
        assertThat(URI.create(url).getPort()).isPositive();
    }
}
