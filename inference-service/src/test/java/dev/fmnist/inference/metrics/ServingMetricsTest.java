package dev.fmnist.inference.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import io.grpc.Status;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
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
        mlp.overloaded();

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
}
