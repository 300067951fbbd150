package dev.fmnist.inference.policy;

import static dev.fmnist.inference.policy.PolicyFixtures.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The model-control history as the elected replica reads it: what was named, pinned and rolled back from. */
class ControlHistoryTest {

    private static final String A = "aaaaaaaaaaaa";
    private static final String B = "bbbbbbbbbbbb";
    private static final String C = "cccccccccccc";

    private static ModelControl policy(ModelDecision decision, String pinned, String challenger) {
        return ModelControl.decided(MODEL, pinned, challenger, challenger == null ? null : ChallengerMode.SHADOW,
                challenger == null ? 0 : 1, decision, List.of("test"), ModelControl.POLICY);
    }

    @Test
    void aPromotionThenARollbackLeavesTheRolledBackVersionOutOfThePreviousChampions() {
        ControlHistory history = new ControlHistory();
        history.add(policy(ModelDecision.CHALLENGE, A, B));
        history.add(policy(ModelDecision.PROMOTE, B, null));
        history.add(policy(ModelDecision.CHALLENGE, B, C));
        history.add(policy(ModelDecision.PROMOTE, C, null));
        history.add(policy(ModelDecision.ROLLBACK, B, null));

        assertThat(history.latest(MODEL)).get().extracting(ModelControl::decision).isEqualTo(ModelDecision.ROLLBACK);
        assertThat(history.championsNewestFirst(MODEL)).containsExactly(B, C, B, A);
        assertThat(history.rolledBackFrom(MODEL, C::equals)).isTrue();
        assertThat(history.rolledBackFrom(MODEL, B::equals)).isFalse();
        assertThat(history.named(MODEL, C::equals)).isTrue();
        assertThat(history.named(MODEL, "dddddddddddd"::equals)).isFalse();
        assertThat(history.latest("mlp")).isEmpty();
    }

    @Test
    void aRetiredChallengerStaysNamedSoItIsNeverChallengedAgain() {
        ControlHistory history = new ControlHistory();
        history.add(policy(ModelDecision.CHALLENGE, A, B));
        history.add(policy(ModelDecision.RETIRE, A, null));

        assertThat(history.named(MODEL, B::equals)).isTrue();
        assertThat(history.rolledBackFrom(MODEL, B::equals)).isFalse();
        assertThat(history.championsNewestFirst(MODEL)).containsExactly(A);
    }

    @Test
    void aRecordThatDoesNotParseIsCountedAndSkippedAndClearForgetsAll() {
        ControlHistory history = new ControlHistory();
        history.add(new ConsumerRecord<>("t", 0, 0, MODEL, policy(ModelDecision.CHALLENGE, A, B).toJson()));
        history.add(new ConsumerRecord<>("t", 0, 1, MODEL, "{\"model\":".getBytes(StandardCharsets.UTF_8)));
        history.add(new ConsumerRecord<>("t", 0, 2, "mlp", policy(ModelDecision.PROMOTE, B, null).toJson()));

        assertThat(history.records()).isEqualTo(3);
        assertThat(history.refused()).isEqualTo(2); // garbage, and a record under another model's key
        assertThat(history.latest(MODEL)).get().extracting(ModelControl::challenger).isEqualTo(B);

        history.clear();

        assertThat(history.latest(MODEL)).isEmpty();
        assertThat(history.records()).isZero();
    }
}
