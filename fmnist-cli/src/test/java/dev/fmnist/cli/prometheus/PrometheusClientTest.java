package dev.fmnist.cli.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.fmnist.charts.dashboards.MetricSource.Series;
import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The client against a fake Prometheus (the JDK's HTTP server) that misbehaves in the ways a real one can. */
class PrometheusClientTest {

    private static final Instant AT = Instant.parse("2026-12-06T08:30:00Z");
    private static final Duration SHORT = Duration.ofMillis(700);

    private HttpServer server;
    private ExecutorService threads;
    private URI url;
    /** Holds the stalling handler until the test ends. */
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile Handler handler;

    interface Handler {
        void handle(HttpExchange exchange) throws IOException, InterruptedException;
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        threads = Executors.newCachedThreadPool();
        server.setExecutor(threads);
        server.createContext("/api/v1/", exchange -> {
            try {
                handler.handle(exchange);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                exchange.close();
            }
        });
        server.start();
        url = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
        threads.shutdownNow();
    }

    private void answer(int status, String contentType, String body) {
        handler = exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", contentType);
            exchange.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        };
    }

    @Test
    void refusesAnAnswerOverTheLimitNamingTheAddressAndTheLimit() {
        handler = exchange -> {
            exchange.sendResponseHeaders(200, 0); // chunked: the client cannot know the size up front
            byte[] chunk = new byte[1024 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i <= PrometheusClient.MAX_ANSWER_BYTES / chunk.length; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the client hung up once past the limit: expected
            }
        };
        PrometheusClient client = new PrometheusClient(url, Duration.ofSeconds(20));

        assertThatThrownBy(() -> client.instant("up", AT)).isInstanceOfSatisfying(CliException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.ERROR);
            assertThat(e.getMessage()).contains(url.toString(), "16 MiB", "the query up");
        });
    }

    @Test
    void aServerThatStallsAfterItsHeadersFailsWithinTheDeadline() {
        handler = exchange -> {
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.getResponseBody();
            out.write("{\"status\":\"succ".getBytes(StandardCharsets.UTF_8));
            out.flush();
            release.await(); // then nothing more until the test ends
        };
        PrometheusClient client = new PrometheusClient(url, SHORT);

        CliException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> catchCli(() -> client.range("up", AT.minusSeconds(60), AT, Duration.ofSeconds(5))));

        assertThat(e.exitCode()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(e.getMessage()).contains(url.toString(), "did not answer within 700 ms", "the query up");
    }

    @Test
    void htmlWithStatus200IsNotPrometheus() {
        answer(200, "text/html", "<html><body>Grafana</body></html>");
        PrometheusClient client = new PrometheusClient(url, SHORT);

        assertThatThrownBy(() -> client.instant("up", AT)).isInstanceOfSatisfying(CliException.class, e -> {
            assertThat(e.exitCode()).isEqualTo(ExitCode.ERROR);
            assertThat(e.getMessage()).contains("answered HTTP 200 without Prometheus's JSON", "is --prometheus");
        });
    }

    @Test
    void aScalarIsOneSeriesOfOnePointWithoutLabels() {
        answer(200, "application/json",
                "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1796545800.5,\"42.5\"]}}");

        List<Series> series = new PrometheusClient(url, SHORT).instant("scalar(up)", AT);

        assertThat(series).hasSize(1);
        assertThat(series.get(0).labels()).isEmpty();
        assertThat(series.get(0).epochMillis()).containsExactly(1796545800500L);
        assertThat(series.get(0).values()).containsExactly(42.5);
    }

    @Test
    void nanAndInfinitiesAreReadAsPrometheusWritesThem() {
        answer(200, "application/json", "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":"
                + "{\"job\":\"a\"},\"values\":[[1,\"NaN\"],[2,\"+Inf\"],[3,\"-Inf\"],[4,\"0.25\"]]}]}}");

        List<Series> series = new PrometheusClient(url, SHORT).range("x", AT.minusSeconds(60), AT, Duration.ofSeconds(1));

        assertThat(series).hasSize(1);
        assertThat(series.get(0).labels()).containsEntry("job", "a");
        double[] values = series.get(0).values();
        assertThat(values[0]).isNaN();
        assertThat(values[1]).isEqualTo(Double.POSITIVE_INFINITY);
        assertThat(values[2]).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(values[3]).isEqualTo(0.25);
    }

    private static CliException catchCli(Runnable call) {
        try {
            call.run();
        } catch (CliException e) {
            return e;
        }
        throw new AssertionError("expected a refusal");
    }
}
