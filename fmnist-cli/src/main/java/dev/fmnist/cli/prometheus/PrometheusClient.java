package dev.fmnist.cli.prometheus;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.fmnist.charts.dashboards.MetricSource;
import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Prometheus's HTTP query API ({@code /api/v1/query_range}, {@code /api/v1/query}) for the dashboards'
 * pictures. A Prometheus that cannot be reached is exit 3; a query it refuses is an error naming the
 * query and Prometheus's own message.
 */
public final class PrometheusClient implements MetricSource {

    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A panel's answer is a few hundred points per series: more than this is refused while it arrives, not
     * read into memory (its JSON tree takes several times the bytes).
     */
    static final int MAX_ANSWER_BYTES = 16 * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final Duration queryTimeout;

    /** @param base Prometheus's address, such as {@code http://127.0.0.1:9090} */
    public PrometheusClient(URI base) {
        this(base, QUERY_TIMEOUT);
    }

    /** @param queryTimeout the whole exchange's deadline, headers and body: shorter in tests */
    PrometheusClient(URI base, Duration queryTimeout) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
        this.queryTimeout = queryTimeout;
    }

    @Override
    public List<Series> range(String expr, Instant start, Instant end, Duration step) {
        return series(expr, "/api/v1/query_range?query=" + encode(expr) + "&start=" + seconds(start) + "&end="
                + seconds(end) + "&step=" + BigDecimal.valueOf(step.toMillis(), 3).toPlainString());
    }

    @Override
    public List<Series> instant(String expr, Instant at) {
        return series(expr, "/api/v1/query?query=" + encode(expr) + "&time=" + seconds(at));
    }

    private List<Series> series(String expr, String pathAndQuery) {
        JsonNode data = answer(expr, pathAndQuery).path("data");
        JsonNode result = data.path("result");
        List<Series> series = new ArrayList<>();
        switch (data.path("resultType").asText()) {
            case "matrix" -> result.forEach(s -> series.add(points(labels(s.path("metric")), s.path("values"))));
            case "vector" -> result.forEach(s -> series.add(points(labels(s.path("metric")), List.of(s.path("value")))));
            case "scalar" -> series.add(points(Map.of(), List.of(result)));
            default -> { } // a string: nothing to plot
        }
        return series;
    }

    private JsonNode answer(String expr, String pathAndQuery) {
        // HttpRequest.timeout stops counting once the headers are in: the deadline is the whole exchange's
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(queryTimeout)
                .header("Accept", "application/json").GET().build();
        CompletableFuture<HttpResponse<byte[]>> exchange = http.sendAsync(request,
                info -> new CappedBody(MAX_ANSWER_BYTES));
        HttpResponse<byte[]> response;
        try {
            response = exchange.get(queryTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            exchange.cancel(true);
            throw timedOut(expr, e);
        } catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted while querying Prometheus at " + base, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof TooLarge) {
                throw new CliException(ExitCode.ERROR, "Prometheus at " + base + " answered more than "
                        + MAX_ANSWER_BYTES / (1024 * 1024) + " MiB (the limit) for the query " + expr, cause);
            }
            if (cause instanceof HttpTimeoutException && !(cause instanceof HttpConnectTimeoutException)) {
                throw timedOut(expr, cause);
            }
            throw unreachable(cause);
        }
        byte[] body = response.body();
        JsonNode answer;
        try {
            answer = JSON.readTree(body);
        } catch (IOException e) {
            answer = null;
        }
        if (answer == null || !answer.has("status")) {
            throw new CliException(ExitCode.ERROR, "Prometheus at " + base + " answered HTTP " + response.statusCode()
                    + " without Prometheus's JSON for the query " + expr + " (is --prometheus Prometheus's address?)");
        }
        if (!"success".equals(answer.path("status").asText())) {
            throw new CliException(ExitCode.ERROR, "Prometheus at " + base + " refused the query " + expr + ": "
                    + answer.path("errorType").asText("error") + ": " + answer.path("error").asText("(no message)"));
        }
        return answer;
    }

    private CliException timedOut(String expr, Throwable e) {
        return new CliException(ExitCode.UNREACHABLE, "Prometheus at " + base + " did not answer within "
                + (queryTimeout.toMillis() % 1000 == 0 ? queryTimeout.toSeconds() + " s" : queryTimeout.toMillis() + " ms")
                + " the query " + expr, e);
    }

    private CliException unreachable(Throwable e) {
        return new CliException(ExitCode.UNREACHABLE, "cannot reach Prometheus at " + base + " ("
                + e.getClass().getSimpleName() + "); start the stack with 'bin/up', or point --prometheus at it", e);
    }

    private static Map<String, String> labels(JsonNode metric) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> label : metric.properties()) {
            labels.put(label.getKey(), label.getValue().asText());
        }
        return labels;
    }

    /** Points as Prometheus writes them: [seconds since the epoch, "value"]. */
    private static Series points(Map<String, String> labels, Iterable<JsonNode> pairs) {
        List<JsonNode> list = new ArrayList<>();
        pairs.forEach(list::add);
        long[] times = new long[list.size()];
        double[] values = new double[list.size()];
        for (int i = 0; i < list.size(); i++) {
            times[i] = Math.round(list.get(i).path(0).asDouble() * 1000);
            values[i] = value(list.get(i).path(1).asText());
        }
        return new Series(labels, times, values);
    }

    static double value(String text) {
        return switch (text) {
            case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> {
                try {
                    yield Double.parseDouble(text);
                } catch (NumberFormatException e) {
                    yield Double.NaN;
                }
            }
        };
    }

    /** More bytes than the limit: the body's subscriber stops reading at the first buffer past it. */
    private static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(int limit) {
            super("more than " + limit + " bytes");
        }
    }

    /** The body as bytes, refused (and the exchange cancelled) as soon as it passes {@code limit}. */
    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private Flow.Subscription subscription;

        CappedBody(int limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer buffer : buffers) {
                if ((long) bytes.size() + buffer.remaining() > limit) {
                    subscription.cancel();
                    body.completeExceptionally(new TooLarge(limit));
                    return;
                }
                byte[] chunk = new byte[buffer.remaining()];
                buffer.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }

    private static String encode(String expr) {
        return URLEncoder.encode(expr, StandardCharsets.UTF_8);
    }

    private static String seconds(Instant t) {
        return BigDecimal.valueOf(t.toEpochMilli(), 3).toPlainString();
    }
}
