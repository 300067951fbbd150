package dev.fmnist.contract.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The model-control record every inference replica applies, and the served model names it is keyed by. */
class ModelControlTest {

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void servedModelNamesAreUrlSafeAndRoundTripToTheirNetworks() {
        for (Architecture a : Architecture.values()) {
            NetworkSpec spec = a.takesKernelSize() ? new NetworkSpec(a, 3) : NetworkSpec.of(a);
            assertThat(NetworkSpec.fromServingName(spec.servingName())).isEqualTo(spec);
            assertThat(spec.servingName()).matches("[a-z0-9-]+");
        }
        assertThat(new NetworkSpec(Architecture.COMPARE, 8).servingName()).isEqualTo("compare-k8");
        assertThatThrownBy(() -> NetworkSpec.fromServingName("compare")).hasMessageContaining("compare-k3");
        assertThatThrownBy(() -> NetworkSpec.fromServingName("compare-k9")).hasMessageContaining("k: must be between 3 and 8");
        assertThatThrownBy(() -> NetworkSpec.fromServingName("resnet")).hasMessageContaining("unknown architecture 'resnet'");
        assertThatThrownBy(() -> NetworkSpec.fromServingName("better-k3")).hasMessageContaining("unknown architecture");
    }

    @Test
    void aPinAndAnUnpinRoundTripThroughTheirJson() {
        ModelControl pin = ModelControl.pin("better", "7daa286411a7", "rollback from 0123456789ab");
        assertThat(ModelControl.parse("better", pin.toJson())).isEqualTo(pin);
        ModelControl unpin = ModelControl.followNewest("compare-k3", null);
        ModelControl read = ModelControl.parse("compare-k3", unpin.toJson());
        assertThat(read.pinnedVersion()).isEmpty();
        assertThat(new String(unpin.toJson(), StandardCharsets.UTF_8)).doesNotContain("pinned");
    }

    @Test
    void hostileRecordsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> ModelControl.parse("better", null)).hasMessageContaining("tombstone");
        assertThatThrownBy(() -> ModelControl.parse("better", json("null"))).hasMessageContaining("expected {");
        assertThatThrownBy(() -> ModelControl.parse("better", json("[1]"))).hasMessageContaining("expected {");
        assertThatThrownBy(() -> ModelControl.parse("better", json("{not json"))).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> ModelControl.parse("better", json("{\"at\":\"2026-11-29T00:00:00Z\"}")))
                .hasMessage("model: required");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json("{\"model\":\"mlp\",\"at\":\"2026-11-29T00:00:00Z\"}")))
                .hasMessage("model: 'mlp' under the key 'better'; they must agree");
        assertThatThrownBy(() -> ModelControl.parse("resnet",
                json("{\"model\":\"resnet\",\"at\":\"2026-11-29T00:00:00Z\"}")))
                .hasMessageContaining("unknown architecture 'resnet'");
        assertThatThrownBy(() -> ModelControl.parse("better", json("{\"model\":\"better\"}"))).hasMessage("at: required");
        assertThatThrownBy(() -> ModelControl.parse("better", json("{\"model\":\"better\",\"at\":\"yesterday\"}")))
                .hasMessageStartingWith("at: not an ISO-8601 instant");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json("{\"model\":\"better\",\"pinned\":7,\"at\":\"2026-11-29T00:00:00Z\"}")))
                .hasMessage("pinned: expected a string, got NUMBER");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json("{\"model\":\"better\",\"pinned\":\"../../etc\",\"at\":\"2026-11-29T00:00:00Z\"}")))
                .hasMessageStartingWith("pinned: expected an artefact version or experiment id");
        assertThatThrownBy(() -> ModelControl.parse("better", json("{\"model\":\"better\",\"reason\":\"" + "x".repeat(501)
                + "\",\"at\":\"2026-11-29T00:00:00Z\"}"))).hasMessage("reason: at most 500 characters, got 501");
    }
}
