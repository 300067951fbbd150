package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.kafka.NeedsBroker;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * KServe v2 REST requests on {@code /q/metrics}, as the serving dashboard reads them: Quarkus's HTTP
 * server timer ({@code http_server_requests_seconds}) labelled by the route's template, never by the
 * path a client sent, and with the latency buckets gRPC calls have. No model needs to be served: a
 * refusal is a request too.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class RestMetricsTest {

    private static List<String> httpSeries() {
        return RestAssured.get("/q/metrics").then().statusCode(200).extract().asString().lines()
                .filter(line -> line.startsWith("http_server_requests_seconds")).toList();
    }

    @Test
    void restRequestsAreCountedByRouteTemplateWithLatencyBuckets() {
        String unknown = "no-such-model-" + UUID.randomUUID();
        given().get("/v2/models/" + unknown).then().statusCode(404);
        given().contentType("application/json").body("{\"inputs\":[]}").post("/v2/models/" + unknown + "/infer")
                .then().statusCode(404);
        given().get("/v2/no/route/" + unknown).then().statusCode(404);

        httpSeries();
        // the second scrape would show the first one, had it been timed: a request is recorded after its answer
        List<String> series = httpSeries();
        assertThat(series).anyMatch(line -> line.startsWith("http_server_requests_seconds_count{")
                && line.contains("uri=\"/v2/models/{name}\"") && line.contains("method=\"GET\"")
                && line.contains("status=\"404\""));
        assertThat(series).anyMatch(line -> line.startsWith("http_server_requests_seconds_bucket{")
                && line.contains("uri=\"/v2/models/{name}/infer\"") && line.contains("method=\"POST\""));
        assertThat(series).as("a path no route matches").anyMatch(line -> line.contains("uri=\"NOT_FOUND\""));
        assertThat(series).as("no label carries what the client sent").noneMatch(line -> line.contains(unknown));
        assertThat(series).as("the scrapes themselves are not timed").noneMatch(line -> line.contains("/q/"));
    }
}
