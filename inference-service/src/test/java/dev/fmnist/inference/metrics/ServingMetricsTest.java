package dev.fmnist.inference.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import io.grpc.Status;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the dashboards and alerts read: every series there from the start, each recorded where it belongs. */
class ServingMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final ServingMetrics metrics = new ServingMetrics(registry);

    private static ModelManifest manifest(String sha) {
        return ModelManifest.of(NetworkSpec.of(Architecture.MLP), "exp", HyperParameters.builder().build(), 0, List.of(),
                0.9, 0, "cpu", "test", "test", "2026-01-01T00:00:00Z", sha);
    }

    @Test
    void aServedModelsMetersExistAtZeroBeforeAnyRequest() {
        metrics.servedModel("mlp");

        assertThat(registry.get(ServingMetrics.REJECTED_OVERLOAD).tag("model", "mlp").counter().count()).isZero();
        assertThat(registry.get(ServingMetrics.BATCH_SIZE).tag("model", "mlp").summary().count()).isZero();
        assertThat(registry.get(ServingMetrics.QUEUE_WAIT).tag("model", "mlp").timer().count()).isZero();
        assertThat(registry.get(ServingMetrics.COMPUTE).tag("model", "mlp").timer().count()).isZero();
        assertThat(registry.get(ServingMetrics.PREDICTIONS).tag("model", "mlp").counters())
                .hasSize(FashionMnist.CLASSES);
        assertThat(registry.get(ServingMetrics.CONTROL_REJECTED).counter().count()).isZero();
        assertThat(registry.get(ServingMetrics.RESIDENT_MEMORY).gauge().value()).isPositive();
    }

    @Test
    void aModelSetUpTwiceKeepsOneSetOfMeters() {
        ModelMeters first = metrics.servedModel("mlp");

        assertThat(metrics.servedModel("mlp")).isSameAs(first);
        assertThat(registry.get(ServingMetrics.COMPUTE).timers()).hasSize(1);
    }

    @Test
    void theBatcherRecordsUnderItsModelsTag() {
        ModelMeters mlp = metrics.servedModel("mlp");
        metrics.servedModel("better");

        mlp.queued(2_000_000);
        mlp.computed(8, 5_000_000);
        mlp.overloaded("");

        assertThat(registry.get(ServingMetrics.QUEUE_WAIT).tag("model", "mlp").timer().count()).isEqualTo(1);
        assertThat(registry.get(ServingMetrics.BATCH_SIZE).tag("model", "mlp").summary().totalAmount()).isEqualTo(8);
        assertThat(registry.get(ServingMetrics.COMPUTE).tag("model", "mlp").timer().count()).isEqualTo(1);
        assertThat(registry.get(ServingMetrics.REJECTED_OVERLOAD).tag("model", "mlp").counter().count()).isEqualTo(1);
        assertThat(registry.get(ServingMetrics.REJECTED_OVERLOAD).tag("model", "better").counter().count()).isZero();
    }

    @Test
    void predictionsCountByModelAndClassAndAModelNotServedIsNotCounted() {
        metrics.servedModel("mlp");

        metrics.predicted("mlp", 3);
        metrics.predicted("mlp", 3);
        metrics.predicted("resnet", 3);

        assertThat(registry.get(ServingMetrics.PREDICTIONS).tag("model", "mlp").tag("class", FashionMnist.CLASS_NAMES[3])
                .counter().count()).isEqualTo(2);
        assertThat(registry.find(ServingMetrics.PREDICTIONS).tag("model", "resnet").counters()).isEmpty();
    }

    @Test
    void aServedModelsLoadsAndRefusalsExistAtZeroBeforeItsFirstArtefact() {
        metrics.servedModel("mlp");

        assertThat(registry.get(ServingMetrics.MODEL_LOADS).tag("model", "mlp").counters())
                .extracting(c -> c.getId().getTag("result"), c -> c.count())
                .containsExactlyInAnyOrder(tuple(ServingMetrics.LOADED, 0.0), tuple(ServingMetrics.REFUSED, 0.0));

        metrics.modelRefused("mlp");

        assertThat(registry.get(ServingMetrics.MODEL_LOADS).tag("model", "mlp").counters()).hasSize(2);
        assertThat(registry.get(ServingMetrics.MODEL_LOADS).tag("model", "mlp").tag("result", ServingMetrics.REFUSED)
                .counter().count()).isEqualTo(1);
    }

    @Test
    void theInfoGaugeHasOneRowPerModelWithItsLiveVersion() {
        metrics.modelLoaded("mlp", manifest("aaaaaaaaaaaa0000"));
        metrics.modelLoaded("mlp", manifest("bbbbbbbbbbbb0000"));
        metrics.modelRefused("mlp");

        assertThat(registry.get(ServingMetrics.MODEL_INFO).gauges()).singleElement().satisfies(g -> {
            assertThat(g.getId().getTag("version")).isEqualTo("bbbbbbbbbbbb");
            assertThat(g.getId().getTag("architecture")).isEqualTo("mlp");
        });
        assertThat(registry.get(ServingMetrics.MODEL_LOADS).tag("result", "loaded").counter().count()).isEqualTo(2);
        assertThat(registry.get(ServingMetrics.MODEL_LOADS).tag("result", "refused").counter().count()).isEqualTo(1);
    }

    private double triton(String name, String version, String... tags) {
        var search = registry.get(name).tag("model", "mlp").tag("version", version);
        for (int i = 0; i < tags.length; i += 2) {
            search = search.tag(tags[i], tags[i + 1]);
        }
        return search.gauge().value();
    }

    @Test
    void tritonsSeriesOfALoadedVersionExistAtZeroWithTritonsNamesAndLabels() {
        metrics.servedModel("mlp");
        metrics.modelLoaded("mlp", manifest("aaaaaaaaaaaa0000"));

        for (String name : List.of("nv_inference_request_success", "nv_inference_count", "nv_inference_exec_count",
                "nv_inference_request_duration_us", "nv_inference_queue_duration_us",
                "nv_inference_compute_infer_duration_us")) {
            assertThat(registry.get(name).gauges()).as(name).singleElement().satisfies(g -> {
                assertThat(g.getId().getTags()).extracting(t -> t.getKey() + "=" + t.getValue())
                        .containsExactlyInAnyOrder("model=mlp", "version=aaaaaaaaaaaa");
                assertThat(g.value()).isZero();
            });
        }
        assertThat(registry.get("nv_inference_request_failure").gauges()).extracting(g -> g.getId().getTag("reason"))
                .containsExactlyInAnyOrder("REJECTED", "CANCELED", "BACKEND", "OTHER");
    }

    @Test
    void tritonsCountersCountRequestsImagesPassesAndMicrosecondsPerVersion() {
        ModelMeters mlp = metrics.servedModel("mlp");
        TritonCounters v1 = mlp.version("v1");

        v1.executed(); // one pass of two requests: 3 and 1 images, each charged the whole 2 ms pass
        v1.answered(3, 1_000_000, 2_000_000, 4_000_000);
        v1.answered(1, 500_000, 2_000_000, 3_000_000);
        mlp.overloaded("v1");
        metrics.failed("mlp", "v1", FailureReason.OTHER);
        metrics.failed("mlp", "v1", FailureReason.OTHER);
        mlp.failed("", FailureReason.OTHER); // no version live: no series to count it in
        mlp.version("v2").answered(5, 1, 1, 1);

        assertThat(triton(ServingMetrics.NV_REQUEST_SUCCESS, "v1")).isEqualTo(2);
        assertThat(triton(ServingMetrics.NV_INFERENCE_COUNT, "v1")).isEqualTo(4);
        assertThat(triton(ServingMetrics.NV_EXEC_COUNT, "v1")).isEqualTo(1);
        assertThat(triton(ServingMetrics.NV_QUEUE_DURATION, "v1")).isEqualTo(1_500);
        assertThat(triton(ServingMetrics.NV_COMPUTE_INFER_DURATION, "v1")).isEqualTo(4_000);
        assertThat(triton(ServingMetrics.NV_REQUEST_DURATION, "v1")).isEqualTo(7_000);
        assertThat(triton(ServingMetrics.NV_REQUEST_FAILURE, "v1", "reason", "REJECTED")).isEqualTo(1);
        assertThat(triton(ServingMetrics.NV_REQUEST_FAILURE, "v1", "reason", "OTHER")).isEqualTo(2);
        assertThat(triton(ServingMetrics.NV_REQUEST_FAILURE, "v1", "reason", "BACKEND")).isZero();
        assertThat(triton(ServingMetrics.NV_INFERENCE_COUNT, "v2")).isEqualTo(5);
        assertThat(registry.get(ServingMetrics.REJECTED_OVERLOAD).tag("model", "mlp").counter().count()).isEqualTo(1);
    }

    @Test
    void tritonsSeriesAreKeptForTheLastVersionsUsedOnly() {
        ModelMeters mlp = metrics.servedModel("mlp");
        mlp.version("live").executed();
        for (int i = 0; i < ModelMeters.VERSIONS_KEPT + 4; i++) {
            mlp.version("old" + i);
            mlp.version("live"); // the one in use stays
        }

        assertThat(registry.get(ServingMetrics.NV_EXEC_COUNT).gauges()).hasSize(ModelMeters.VERSIONS_KEPT);
        assertThat(registry.get(ServingMetrics.NV_REQUEST_FAILURE).gauges())
                .hasSize(ModelMeters.VERSIONS_KEPT * FailureReason.values().length);
        assertThat(triton(ServingMetrics.NV_EXEC_COUNT, "live")).isEqualTo(1);
        assertThat(registry.find(ServingMetrics.NV_EXEC_COUNT).tag("version", "old0").gauges()).isEmpty();
    }

    @Test
    void grpcCallsCountByMethodAndCode() {
        String infer = "inference.GRPCInferenceService/ModelInfer";
        metrics.grpcCall(infer, Status.Code.OK);
        metrics.grpcCall(infer, Status.Code.OK);
        metrics.grpcCall(infer, Status.Code.RESOURCE_EXHAUSTED);

        assertThat(registry.get(ServingMetrics.GRPC_CALLS).tag("method", infer).tag("code", "OK").counter().count())
                .isEqualTo(2);
        assertThat(registry.get(ServingMetrics.GRPC_CALLS).tag("code", "RESOURCE_EXHAUSTED").counter().count())
                .isEqualTo(1);
        assertThat(registry.getMeters()).extracting(Meter::getId).filteredOn(id -> id.getName()
                .equals(ServingMetrics.GRPC_CALLS)).hasSize(2);
    }

    @Test
    void grpcAndHttpRequestTimersGetLatencyBucketsAndNoOtherTimerDoes() {
        MeterFilter buckets = ServingMetrics.requestLatencyBuckets();

        for (String name : List.of(ServingMetrics.GRPC_SERVER_DURATION, ServingMetrics.HTTP_SERVER_REQUESTS)) {
            DistributionStatisticConfig config = buckets.configure(timer(name), DistributionStatisticConfig.DEFAULT);
            assertThat(config.isPercentileHistogram()).as(name).isTrue();
            assertThat(config.getMinimumExpectedValueAsDouble()).as(name).isEqualTo(100_000.0); // 100 us in ns
            assertThat(config.getMaximumExpectedValueAsDouble()).as(name).isEqualTo(10e9); // 10 s
        }
        assertThat(buckets.configure(timer("some.other.timer"), DistributionStatisticConfig.DEFAULT)
                .isPercentileHistogram()).isNotEqualTo(Boolean.TRUE);
    }

    /** A 0.5 ms forward pass and a 0.05 ms wait must land in buckets of their own, not in Micrometer's first (1 ms). */
    @Test
    void queueWaitAndForwardPassHistogramsHaveTheRequestTimersBuckets() {
        SimpleMeterRegistry seen = new SimpleMeterRegistry();
        Map<String, DistributionStatisticConfig> configs = new HashMap<>();
        seen.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                configs.put(id.getName(), config); // as the meter's builder set it
                return config;
            }
        });
        new ServingMetrics(seen).servedModel("mlp");

        for (String name : List.of(ServingMetrics.QUEUE_WAIT, ServingMetrics.COMPUTE)) {
            DistributionStatisticConfig config = configs.get(name);
            assertThat(config).as(name).isNotNull();
            assertThat(config.isPercentileHistogram()).as(name).isTrue();
            assertThat(config.getMinimumExpectedValueAsDouble()).as(name).isEqualTo(100_000.0); // 100 us in ns
            assertThat(config.getMaximumExpectedValueAsDouble()).as(name).isEqualTo(10e9); // 10 s
        }
    }

    private static Meter.Id timer(String name) {
        return new Meter.Id(name, Tags.empty(), null, null, Meter.Type.TIMER);
    }
}
