package dev.fmnist.contract.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
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

    @Test
    void aChallengerAndADecisionRoundTripAndOldRecordsStillRead() {
        ModelControl challenge = ModelControl.decided("better", null, "5e8d0154c40a", ChallengerMode.SHADOW, 1.0,
                ModelDecision.CHALLENGE, List.of("a newer artefact: 5e8d0154c40a", "shadow on all requests"),
                ModelControl.POLICY);
        ModelControl read = ModelControl.parse("better", challenge.toJson());
        assertThat(read).isEqualTo(challenge);
        assertThat(read.challengerVersion()).hasValue("5e8d0154c40a");
        assertThat(read.reason()).isEqualTo("a newer artefact: 5e8d0154c40a; shadow on all requests");
        assertThat(read.pinnedVersion()).isEmpty();

        ModelControl promote = read.withChallenger(null, null, 0, ModelDecision.PROMOTE, List.of("won"),
                ModelControl.OPERATOR);
        assertThat(promote.challengerVersion()).isEmpty();
        assertThat(promote.decision()).isEqualTo(ModelDecision.PROMOTE);
        assertThat(promote.by()).isEqualTo("operator");
        assertThat(ModelControl.parse("better", promote.toJson())).isEqualTo(promote);
        String json = new String(promote.toJson(), StandardCharsets.UTF_8);
        assertThat(json).doesNotContain("\"challenger\"").doesNotContain("\"mode\"").doesNotContain("\"share\"");

        ModelControl canary = ModelControl.pin("mlp", "7daa286411a7", "x").withChallenger("exp-2", ChallengerMode.CANARY,
                0.1, ModelDecision.CHALLENGE, List.of(), ModelControl.OPERATOR);
        assertThat(canary.pinned()).isEqualTo("7daa286411a7");
        assertThat(canary.reason()).isNull();
        assertThat(ModelControl.parse("mlp", canary.toJson())).isEqualTo(canary);

        // written before this issue: no challenger, decision, reasons or by
        ModelControl old = ModelControl.parse("better",
                json("{\"model\":\"better\",\"pinned\":\"7daa286411a7\",\"reason\":\"r\",\"at\":\"2026-11-29T00:00:00Z\"}"));
        assertThat(old).isEqualTo(new ModelControl("better", "7daa286411a7", "r", Instant.parse("2026-11-29T00:00:00Z")));
        assertThat(old.decision()).isNull();
        assertThat(old.reasons()).isEmpty();
        assertThat(old.by()).isNull();
        assertThat(old.mode()).isNull();
        assertThat(old.share()).isZero();

        String longest = "x".repeat(ModelControl.MAX_REASON_LINE);
        ModelControl many = ModelControl.decided("better", null, null, null, 0, ModelDecision.HOLD,
                java.util.Collections.nCopies(ModelControl.MAX_REASONS, longest), ModelControl.POLICY);
        assertThat(many.reason()).hasSize(500).endsWith("...");
        assertThat(ModelControl.parse("better", many.toJson())).isEqualTo(many);
    }

    @Test
    void hostileChallengersAndDecisionsAreRefusedNamingTheField() {
        String at = ",\"at\":\"2026-11-29T00:00:00Z\"}";
        String start = "{\"model\":\"better\"";
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"challenger\":\"5e8d0154c40a\"" + at)))
                .hasMessageStartingWith("mode: required with a challenger");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json(start + ",\"challenger\":\"5e8d0154c40a\",\"mode\":\"shadow\"" + at)))
                .hasMessageStartingWith("share: must be above 0 and at most 1");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json(start + ",\"challenger\":\"5e8d0154c40a\",\"mode\":\"shadow\",\"share\":1.5" + at)))
                .hasMessageStartingWith("share: must be above 0 and at most 1");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json(start + ",\"challenger\":\"5e8d0154c40a\",\"mode\":\"shadow\",\"share\":\"1\"" + at)))
                .hasMessageStartingWith("share: expected a number");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json(start + ",\"challenger\":\"5e8d0154c40a\",\"mode\":\"blue-green\",\"share\":1" + at)))
                .hasMessageStartingWith("mode: expected one of shadow, canary");
        assertThatThrownBy(() -> ModelControl.parse("better",
                json(start + ",\"challenger\":\"../x\",\"mode\":\"shadow\",\"share\":1" + at)))
                .hasMessageStartingWith("challenger: expected an artefact version");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"mode\":\"canary\"" + at)))
                .hasMessageStartingWith("mode: canary without a challenger");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"share\":0.5" + at)))
                .hasMessageStartingWith("share: 0.5 without a challenger");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"decision\":\"delete\"" + at)))
                .hasMessageStartingWith("decision: expected one of pin, unpin, challenge, promote, rollback, retire, hold");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"by\":\"mallory\"" + at)))
                .hasMessageStartingWith("by: expected one of operator, policy");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"reasons\":\"because\"" + at)))
                .hasMessageStartingWith("reasons: expected an array of strings");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"reasons\":[1]" + at)))
                .hasMessageStartingWith("reasons: [0] expected a string");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"reasons\":[\""
                + "x".repeat(301) + "\"]" + at))).hasMessageStartingWith("reasons: [0] has 301 characters");
        assertThatThrownBy(() -> ModelControl.parse("better", json(start + ",\"reasons\":["
                + String.join(",", java.util.Collections.nCopies(21, "\"r\"")) + "]" + at)))
                .hasMessageStartingWith("reasons: at most 20, got 21");
        assertThatThrownBy(() -> ModelControl.parse("better", new byte[ModelControl.MAX_JSON_BYTES + 1]))
                .hasMessageStartingWith("value: ");
        assertThatThrownBy(() -> ModelControl.decided("better", null, "v1", ChallengerMode.CANARY, 0,
                ModelDecision.CHALLENGE, List.of(), ModelControl.OPERATOR)).hasMessageStartingWith("share: ");
        assertThatThrownBy(() -> ModelControl.decided("better", null, "v1", ChallengerMode.CANARY, Double.NaN,
                ModelDecision.CHALLENGE, List.of(), ModelControl.OPERATOR)).hasMessageStartingWith("share: ");
    }
}
