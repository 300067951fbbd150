package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.messaging.ModelControlTopic;
import dev.fmnist.inference.metrics.ServingMetrics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.enterprise.inject.Vetoed;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The repository on its own: one served model ({@code mlp}, nothing live), the model-control topic
 * replaced by one that records what is written and applies it at once, as this replica's reader
 * would. No broker, no engine.
 */
class ModelRepositoryTest {

    private static final String OLDER = "aaaaaaaaaaaa";
    private static final String NEWER = "bbbbbbbbbbbb";

    private record Batching(int maxBatch, long maxDelayMicros, int queueCapacity, long maxQueuedImages, int workers,
            int threadsPerForward) implements InferenceConfig.Batching {}

    /** The topic as this replica sees it: a write is applied to the slot by the time awaitApplied asks. */
    @Vetoed // inherits @ApplicationScoped: without this the @QuarkusTests would find two model-control topics
    private static final class AppliedAtOnce extends ModelControlTopic {
        final List<ModelControl> written = new ArrayList<>();
        RuntimeException writeFailure;
        boolean applied = true;
        Consumer<ModelControl> onApply = control -> {};

        @Override
        public long write(ModelControl control) {
            if (writeFailure != null) {
                throw writeFailure;
            }
            written.add(control);
            return written.size() - 1;
        }

        @Override
        public boolean awaitApplied(long offset, Duration timeout) {
            if (applied) {
                onApply.accept(written.get((int) offset));
            }
            return applied;
        }
    }

    /** The slots of the served models without their CDI start-up (which would start the engine). */
    @Vetoed
    private static final class FixedSlots extends ModelSlots {
        private final List<ModelSlot> fixed;

        FixedSlots(List<ModelSlot> fixed) {
            this.fixed = fixed;
        }

        @Override
        public Collection<ModelSlot> all() {
            return fixed;
        }

        @Override
        public Optional<ModelSlot> find(String name) {
            return fixed.stream().filter(s -> s.name().equals(name)).findFirst();
        }

        @Override
        public ModelSlot require(String name, String field) {
            if (name == null || name.isEmpty()) {
                return fixed.get(0);
            }
            return find(name).orElseThrow(() -> Status.NOT_FOUND.withDescription(field + ": unknown model '" + name
                    + "'").asRuntimeException());
        }

        @Override
        public Optional<ModelSlot> forArtefactKey(String key) {
            return fixed.stream().filter(s -> s.artefactKey().equals(key)).findFirst();
        }

        @Override
        public boolean allReady() {
            return fixed.stream().allMatch(ModelSlot::ready);
        }
    }

    private final AppliedAtOnce topic = new AppliedAtOnce();
    private ModelSlot mlp;
    private ModelRepository repository;

    @BeforeEach
    void serveMlp() {
        NetworkSpec network = NetworkSpec.of(Architecture.MLP);
        LiveModel live = new LiveModel(network.servingName());
        InferenceStats stats = new InferenceStats(network.servingName());
        Batching batching = new Batching(4, 0, 4, 16, 1, 1);
        DynamicBatcher batcher = new DynamicBatcher(network.servingName(), live, stats, batching,
                new ServingMetrics(new SimpleMeterRegistry()).servedModel(network.servingName()));
        mlp = new ModelSlot(network, live, batcher, stats);
        mlp.published().add(manifest(OLDER), 0);
        mlp.published().add(manifest(NEWER), 1);
        topic.onApply = mlp::control; // what the selector records first when it applies a record
        repository = new ModelRepository();
        repository.slots = new FixedSlots(List.of(mlp));
        repository.control = topic;
        repository.config = TinyArtefacts.config(Map.of("fmnist.serving.models", "mlp",
                "fmnist.serving.control-timeout-seconds", "1", "fmnist.serving.max-batch", "16"));
    }

    @AfterEach
    void stopBatcher() {
        mlp.stop();
    }

    private static ModelManifest manifest(String version) {
        return ModelManifest.of(NetworkSpec.of(Architecture.MLP), "exp-" + version, HyperParameters.builder().build(), 0,
                List.of(), 0.9, 0, "cpu", "test", "test", "2026-01-01T00:00:00Z", version + "0123456789abcdef");
    }

    private static StatusRuntimeException refusal(Runnable call) {
        return catchThrowableOfType(StatusRuntimeException.class, call::run);
    }

    @Test
    void loadWithAVersionPinsItForTheFleetAndAnswersOnceApplied() {
        repository.load(mlp, Optional.of(OLDER), "parameters.version", "RepositoryModelLoad");

        assertThat(topic.written).singleElement().satisfies(control -> {
            assertThat(control.model()).isEqualTo("mlp");
            assertThat(control.pinnedVersion()).contains(OLDER);
            assertThat(control.reason()).isEqualTo("RepositoryModelLoad");
            assertThat(control.decision()).isEqualTo(ModelDecision.PIN);
            assertThat(control.reasons()).containsExactly("RepositoryModelLoad");
            assertThat(control.by()).isEqualTo(ModelControl.OPERATOR);
        });
        assertThat(mlp.pinned()).contains(OLDER);
    }

    @Test
    void loadWithoutAVersionAndUnloadFollowTheNewestAgain() {
        repository.load(mlp, Optional.empty(), "parameters.version", "RepositoryModelLoad");
        repository.unload(mlp, "RepositoryModelUnload");

        assertThat(topic.written).extracting(ModelControl::pinnedVersion).containsExactly(Optional.empty(),
                Optional.empty());
        assertThat(topic.written).extracting(ModelControl::reason).containsExactly("RepositoryModelLoad",
                "RepositoryModelUnload");
        assertThat(topic.written).extracting(ModelControl::decision).containsExactly(ModelDecision.UNPIN,
                ModelDecision.UNPIN);
    }

    @Test
    void anOperatorsPinEndsAChallengersTrialAndKeepsALongReasonWhole() {
        topic.onApply = mlp::control;
        mlp.control(ModelControl.decided("mlp", OLDER, NEWER, ChallengerMode.SHADOW, 1.0, ModelDecision.CHALLENGE,
                List.of("newer artefact"), ModelControl.POLICY));
        String reason = "x".repeat(400);

        repository.load(mlp, Optional.of(OLDER), "parameters.version", reason);

        ModelControl written = topic.written.get(0);
        assertThat(written.challengerVersion()).isEmpty();
        assertThat(written.mode()).isNull();
        assertThat(written.reason()).isEqualTo(reason);
        assertThat(written.reasons()).containsExactly("x".repeat(ModelControl.MAX_REASON_LINE));
    }

    @Test
    void requestsMayNameTheChampionOrTheChallengerByAliasOnlyWhenThereIsOne() {
        ServedModel live = TinyArtefacts.load(TinyArtefacts.train(31, "repository-aliases"));
        mlp.swap(live);
        try {
            assertThat(repository.require("mlp", ModelControl.CHAMPION, "model_name")).isSameAs(mlp);
            assertThat(repository.ready("mlp", ModelControl.CHAMPION)).isTrue();
            assertThat(repository.ready("mlp", ModelControl.CHALLENGER)).isFalse();

            StatusRuntimeException e = refusal(() -> repository.require("mlp", ModelControl.CHALLENGER, "model_name"));

            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(e.getStatus().getDescription()).isEqualTo("model_version: model 'mlp' has no challenger now; "
                    + "its champion is " + live.manifest().version());
            assertThat(repository.index(false).get(0).reason()).isEqualTo("newest artefact");
        } finally {
            mlp.live().clear();
        }
    }

    @Test
    void aVersionNeverPublishedIsRefusedNamingTheFieldAndNothingIsWritten() {
        StatusRuntimeException e = refusal(() -> repository.load(mlp, Optional.of("000000000000"), "parameters.version",
                "RepositoryModelLoad"));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).isEqualTo("parameters.version: '000000000000' is not among the "
                + "artefacts published for mlp (newest first: " + NEWER + ", " + OLDER + ")");
        assertThat(topic.written).isEmpty();
    }

    @Test
    void aBrokerThatCannotBeWrittenIsUnavailable() {
        topic.writeFailure = new IllegalStateException("cannot write to test.model-control: timeout");

        StatusRuntimeException e = refusal(() -> repository.unload(mlp, "RepositoryModelUnload"));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(e.getStatus().getDescription()).isEqualTo("cannot write to test.model-control: timeout");
    }

    @Test
    void aChangeNotAppliedHereInTimeExceedsTheDeadline() {
        topic.applied = false;

        StatusRuntimeException e = refusal(() -> repository.load(mlp, Optional.of(NEWER), "parameters.version", "r"));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(e.getStatus().getDescription()).startsWith("written to the model-control topic, not applied here "
                + "within 1 s");
        assertThat(topic.written).hasSize(1); // written: replicas still apply it as they read it
    }

    @Test
    void aPinAppliedButNotServableIsAFailedPrecondition() {
        topic.onApply = control -> {
            mlp.control(control);
            mlp.problem("pinned to " + OLDER + ", which cannot be loaded (see refused)");
        };

        StatusRuntimeException e = refusal(() -> repository.load(mlp, Optional.of(OLDER), "parameters.version", "r"));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(e.getStatus().getDescription()).isEqualTo("mlp: pinned to " + OLDER
                + ", which cannot be loaded (see refused)");
    }

    @Test
    void theIndexSaysWhyAModelIsNotReadyAndReadyOnlyLeavesItOut() {
        assertThat(repository.index(false)).containsExactly(new ModelRepository.IndexEntry("mlp", "", false,
                "no artefact loaded yet"));
        assertThat(repository.index(false).get(0).state()).isEqualTo("UNAVAILABLE");
        assertThat(repository.index(true)).isEmpty();
        assertThat(repository.ready()).isFalse();
        assertThat(repository.ready("mlp", "")).isFalse();
    }

    @Test
    void aModelMustBeNamedWhereTheProtocolRequiresIt() {
        StatusRuntimeException e = refusal(() -> repository.require("", "", "model_name"));

        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(e.getStatus().getDescription()).isEqualTo("model_name: required; this server serves mlp");
        assertThat(repository.require("mlp", NEWER, "name")).isSameAs(mlp); // nothing live: no version to contradict
        assertThat(repository.require("", "model")).isSameAs(mlp); // fmnist.v1: the first served model
    }

    @Test
    void recordsForAModelServedElsewhereAreLeftAlone() {
        assertThat(repository.apply(ModelControl.followNewest("compare-k3", "elsewhere"))).isFalse();
        assertThat(repository.published("compare(k=3)", 2, new byte[0])).isFalse();

        assertThat(mlp.control()).isEmpty();
        assertThat(mlp.published().newestFirst()).hasSize(2);
    }
}
