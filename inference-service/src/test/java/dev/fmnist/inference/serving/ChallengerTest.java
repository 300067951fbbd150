package dev.fmnist.inference.serving;

import static dev.fmnist.inference.serving.SelectorFixture.version;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.serving.ChallengerMode;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.proto.v1.RefusedArtefact;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A slot's challenger, driven by model-control records as the selector applies them, with real (tiny)
 * models and no broker (the models topic is a map of offsets, as in {@link ModelSelectorTest}): a
 * CHALLENGE loads it beside the champion, {@link ModelSlot#route} sends a request to whichever the
 * slot's mode, share and the request's version or alias say, a PROMOTE makes the loaded challenger
 * champion without loading it again, a record without a challenger frees it, and one that cannot be
 * served is refused while the champion serves on. With the promotion policy on, following the newest
 * stops at the first live version.
 */
class ChallengerTest {

    private static final long WAIT_SECONDS = 30;

    private static ModelArtefact a;
    private static ModelArtefact b;
    private static ModelArtefact c;
    private static float[] image;

    /** Every model the selector loaded, in order: a promotion must not add one. */
    private final List<ServedModel> loaded = new CopyOnWriteArrayList<>();
    private SelectorFixture fixture;
    private Map<Long, byte[]> modelsTopic;
    private ModelSelector selector;
    private ModelSlot slot;

    @BeforeAll
    static void train() {
        a = TinyArtefacts.train(21, "challenger-a");
        b = TinyArtefacts.train(22, "challenger-b", true); // served with flips beside a champion without
        c = TinyArtefacts.train(23, "challenger-c");
        image = TinyArtefacts.image();
        assertThat(List.of(version(a), version(b), version(c))).doesNotHaveDuplicates();
    }

    /** A selector over a fresh {@code mlp} slot; {@code policy}: fmnist.policy.enabled. */
    private void start(boolean policy) {
        var config = TinyArtefacts.config(Map.of("fmnist.serving.models", "mlp", "fmnist.policy.enabled",
                String.valueOf(policy)));
        ServingEngine engine = new ServingEngine() {
            @Override
            public ServedModel load(String name, ModelArtefact artefact) {
                ServedModel model = TinyArtefacts.load(artefact);
                loaded.add(model);
                return model;
            }
        };
        fixture = new SelectorFixture(engine, new ServingMetrics(new SimpleMeterRegistry()), config, true);
        modelsTopic = fixture.modelsTopic;
        selector = fixture.selector;
        slot = fixture.slot;
    }

    @AfterEach
    void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private void publish(long offset, ModelArtefact artefact) {
        fixture.publish(offset, artefact);
    }

    private String champion() {
        return fixture.live();
    }

    private static ModelControl challenge(String champion, String challenger, ChallengerMode mode, double share) {
        return ModelControl.decided("mlp", champion, challenger, mode, share, ModelDecision.CHALLENGE,
                List.of("newer artefact"), ModelControl.POLICY);
    }

    /** The version that answers a request routed as {@code versionOrAlias}, and the role it is logged with. */
    private String answer(String versionOrAlias) throws Exception {
        ModelSlot.Route route = slot.route(versionOrAlias, "model_version");
        return route.role().wire() + ":" + route.batcher().submit(image, 1).get(WAIT_SECONDS, TimeUnit.SECONDS)
                .model().version();
    }

    private static StatusRuntimeException refusal(Runnable call) {
        return catchThrowableOfType(StatusRuntimeException.class, call::run);
    }

    /** A policy-run replica serving a, with b loaded beside it as a shadow challenger scoring every request. */
    private void bInShadowBesideA() {
        start(true);
        publish(0, a);
        publish(1, b);
        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.SHADOW, 1.0));
    }

    @Test
    void aChallengeLoadsTheChallengerInShadowBesideTheChampionAndRequestsNameEitherByVersionOrAlias()
            throws Exception {
        start(true);
        publish(0, a);
        publish(1, b);
        assertThat(slot.challenger()).as("a newer artefact waits for the policy").isEmpty();

        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.SHADOW, 1.0));

        ModelSlot.Challenger challenger = slot.challenger().orElseThrow();
        assertThat(challenger.version()).isEqualTo(version(b));
        assertThat(challenger.mode()).isEqualTo(ChallengerMode.SHADOW);
        assertThat(challenger.share()).isEqualTo(1.0);
        assertThat(challenger.batcher()).isNotSameAs(slot.batcher());
        assertThat(challenger.batcher().maxBatch()).isEqualTo(slot.batcher().maxBatch());
        assertThat(champion()).isEqualTo(version(a));
        assertThat(slot.challengerProblem()).isEmpty();

        assertThat(answer("")).as("shadow: every client answer is the champion's").isEqualTo("served:" + version(a));
        assertThat(answer(ModelControl.CHAMPION)).isEqualTo("served:" + version(a));
        assertThat(answer(version(a))).isEqualTo("served:" + version(a));
        assertThat(answer(ModelControl.CHALLENGER)).isEqualTo("canary:" + version(b));
        assertThat(answer(version(b))).isEqualTo("canary:" + version(b));

        StatusRuntimeException unknown = refusal(() -> slot.route(version(c), "model_version"));
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(unknown.getStatus().getDescription()).isEqualTo("model_version: '" + version(c)
                + "' is not loaded; live is " + version(a) + ", challenger " + version(b));
        assertThat(slot.stats().report(version(b))).as("Triton's statistics list the challenger's version")
                .isNotEmpty();

        ModelRepository repository = new ModelRepository();
        repository.slots = new ModelSlots() {
            @Override
            public Collection<ModelSlot> all() {
                return List.of(slot);
            }
        };
        assertThat(repository.index(false)).containsExactly(new ModelRepository.IndexEntry("mlp", version(a), true,
                "pinned to " + version(a) + "; challenger " + version(b) + " in shadow for 100% of requests"));
        assertThat(ModelDescriptions.challengerInfo(slot).getChallenger()).isEqualTo(version(b));
        assertThat(ModelDescriptions.challengerInfo(slot).getChallengerMode()).isEqualTo("shadow");
        assertThat(ModelDescriptions.challengerInfo(slot).getChallengerShare()).isEqualTo(1.0);
        assertThat(ModelDescriptions.challengerParameters(slot)).extractingFromEntries(Map.Entry::getKey,
                e -> e.getValue().getStringValue()).containsExactly(tuple("challenger_version", version(b)),
                        tuple("challenger_mode", "shadow"), tuple("challenger_share", "1.0"),
                        tuple("challenger_test_time_flip", "true"));
    }

    @Test
    void aCanaryWithShareOneAnswersEveryRequestAndAPartShareSplitsThemBySeededDraws() throws Exception {
        start(true);
        publish(0, a);
        publish(1, b);

        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.CANARY, 1.0));

        for (int i = 0; i < 20; i++) {
            assertThat(answer("")).isEqualTo("canary:" + version(b));
        }
        assertThat(answer(ModelControl.CHAMPION)).as("named, the champion still answers")
                .isEqualTo("served:" + version(a));

        List<ServedModel> before = List.copyOf(loaded);
        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.CANARY, 0.3));
        assertThat(loaded).as("the same challenger in another share is not loaded again").isEqualTo(before);
        assertThat(slot.challenger().orElseThrow().share()).isEqualTo(0.3);

        slot.draw(new Random(2701)::nextDouble);
        int canary = 0;
        int draws = 2000;
        for (int i = 0; i < draws; i++) {
            ModelSlot.Route route = slot.route("", "model_version");
            if (route.role() == PredictionRole.CANARY) {
                assertThat(route.batcher()).isSameAs(slot.challenger().orElseThrow().batcher());
                canary++;
            } else {
                assertThat(route.batcher()).isSameAs(slot.batcher());
            }
        }
        // 2000 draws at 0.3: 600 expected, standard deviation 20.5; 0.22..0.38 is beyond 7 of them
        assertThat(canary).isBetween(440, 760);
    }

    @Test
    void aPromotionMakesTheLoadedChallengerChampionWithoutLoadingItAgain() throws Exception {
        bInShadowBesideA();
        ServedModel oldChampion = slot.live().peek().orElseThrow();
        ServedModel challengerModel = slot.challenger().orElseThrow().live().peek().orElseThrow();
        DynamicBatcher challengerBatcher = slot.challenger().orElseThrow().batcher();
        int loads = loaded.size();

        selector.controlled(slot, ModelControl.decided("mlp", version(b), null, null, 0, ModelDecision.PROMOTE,
                List.of("agrees on 97% of shadowed requests"), ModelControl.POLICY));

        assertThat(champion()).isEqualTo(version(b));
        assertThat(slot.live().peek().orElseThrow()).as("the very model loaded as challenger")
                .isSameAs(challengerModel);
        assertThat(loaded).hasSize(loads);
        assertThat(slot.challenger()).isEmpty();
        assertThat(slot.previousVersions()).containsExactly(version(a));
        assertThat(oldChampion.isClosed()).as("the old champion is freed").isTrue();
        assertThat(challengerModel.isClosed()).isFalse();
        assertThat(answer("")).isEqualTo("served:" + version(b));
        Throwable stopped = catchThrowableOfType(RuntimeException.class, () -> challengerBatcher.submit(image, 1));
        assertThat(Status.fromThrowable(stopped).getCode()).as("the challenger's batcher is stopped")
                .isEqualTo(Status.Code.UNAVAILABLE);
        StatusRuntimeException none = refusal(() -> slot.route(ModelControl.CHALLENGER, "model_version"));
        assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(none.getStatus().getDescription()).isEqualTo("model_version: model 'mlp' has no challenger now; "
                + "its champion is " + version(b));
    }

    @Test
    void aRecordWithoutAChallengerRetiresItAndFreesItsModelAndANewChallengerReplacesTheOld() throws Exception {
        start(true);
        publish(0, a);
        publish(1, b);
        publish(2, c);
        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.SHADOW, 0.5));
        ServedModel first = slot.challenger().orElseThrow().live().peek().orElseThrow();

        selector.controlled(slot, challenge(version(a), version(c), ChallengerMode.CANARY, 0.1));

        assertThat(first.isClosed()).as("the challenger replaced is freed").isTrue();
        assertThat(slot.challenger().orElseThrow().version()).isEqualTo(version(c));
        ServedModel second = slot.challenger().orElseThrow().live().peek().orElseThrow();

        selector.controlled(slot, ModelControl.decided("mlp", version(a), null, null, 0, ModelDecision.RETIRE,
                List.of("disagrees on 30% of shadowed requests"), ModelControl.POLICY));

        assertThat(slot.challenger()).isEmpty();
        assertThat(second.isClosed()).isTrue();
        assertThat(champion()).isEqualTo(version(a));
        assertThat(answer("")).isEqualTo("served:" + version(a));
    }

    @Test
    void aChallengerThatCannotBeServedIsRefusedWithItsReasonAndTheChampionServesOn() throws Exception {
        start(true);
        publish(0, a);
        publish(1, b);
        modelsTopic.remove(1L); // compacted away

        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.CANARY, 1.0));

        assertThat(slot.challenger()).isEmpty();
        List<RefusedArtefact> refused = slot.refused().all();
        assertThat(refused.get(refused.size() - 1).getVersion()).isEqualTo(version(b));
        assertThat(refused.get(refused.size() - 1).getReason()).isEqualTo("cannot be read again from the models "
                + "topic: offset 1 is gone (compacted)");
        assertThat(slot.challengerProblem()).contains("challenger " + version(b) + ", which cannot be loaded (see "
                + "refused)");
        assertThat(slot.problem()).as("the champion has none").isEmpty();
        assertThat(answer("")).as("a canary of 100% that never loaded: the champion answers")
                .isEqualTo("served:" + version(a));
    }

    @Test
    void aChallengerNotYetPublishedIsSaidSoAndLoadedWhenItArrives() throws Exception {
        start(true);
        publish(0, a);

        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.SHADOW, 1.0));

        assertThat(slot.challenger()).isEmpty();
        assertThat(slot.challengerProblem()).contains("challenger " + version(b)
                + ", not (yet) seen on the models topic");

        publish(1, b);

        assertThat(slot.challenger().map(ModelSlot.Challenger::version)).contains(version(b));
        assertThat(slot.challengerProblem()).isEmpty();
        assertThat(champion()).isEqualTo(version(a));
    }

    @Test
    void withThePolicyOnFollowingTheNewestKeepsTheFirstLiveVersionAndAnUnpinDoesNotSwapEither() {
        start(true);
        publish(0, a);
        assertThat(champion()).as("the first artefact goes live as before").isEqualTo(version(a));

        publish(1, b);

        assertThat(champion()).isEqualTo(version(a));
        assertThat(slot.published().newest().orElseThrow().version()).isEqualTo(version(b));
        assertThat(loaded).as("recorded, not loaded").hasSize(1);

        selector.controlled(slot, ModelControl.followNewest("mlp", "unpin"));

        assertThat(champion()).isEqualTo(version(a));

        selector.controlled(slot, ModelControl.pin("mlp", version(b), "the operator's pin still swaps"));

        assertThat(champion()).isEqualTo(version(b));
    }

    @Test
    void withThePolicyOffANewerArtefactGoesLiveAsBeforeAndAChallengerStaysBesideIt() throws Exception {
        start(false);
        publish(0, a);
        publish(1, b);
        assertThat(champion()).isEqualTo(version(b));

        selector.controlled(slot, ModelControl.decided("mlp", null, version(a), ChallengerMode.SHADOW, 1.0,
                ModelDecision.CHALLENGE, List.of("compare with the one before"), ModelControl.OPERATOR));

        assertThat(slot.challenger().map(ModelSlot.Challenger::version)).contains(version(a));
        assertThat(answer(ModelControl.CHALLENGER)).isEqualTo("canary:" + version(a));

        publish(2, c);

        assertThat(champion()).isEqualTo(version(c));
        assertThat(slot.challenger().map(ModelSlot.Challenger::version)).as("the challenger is not the newest's")
                .contains(version(a));
    }

    @Test
    void aChallengerNamedAsTheChampionIsNotLoadedTwice() {
        start(true);
        publish(0, a);

        selector.controlled(slot, challenge(version(a), version(a), ChallengerMode.SHADOW, 1.0));

        assertThat(slot.challenger()).isEmpty();
        assertThat(slot.challengerProblem()).contains("challenger " + version(a)
                + " is the champion; nothing to compare it with");
        assertThat(loaded).hasSize(1);
    }

    @Test
    void startUpLoadsTheChallengerTheControlRecordNames() throws Exception {
        start(true);
        ModelSlot starting = SelectorFixture.newSlot(new ServingMetrics(new SimpleMeterRegistry()), true);
        try {
            byte[] first = ArtefactCodec.encode(a);
            byte[] second = ArtefactCodec.encode(b);
            modelsTopic.put(10L, first);
            modelsTopic.put(11L, second);
            selector.indexed(starting, PublishedVersions.Entry.of(a.manifest(), 10));
            selector.indexed(starting, PublishedVersions.Entry.of(b.manifest(), 11));
            selector.controlled(starting, challenge(version(a), version(b), ChallengerMode.SHADOW, 1.0));

            selector.startUp(starting);

            assertThat(starting.manifest().map(m -> m.version())).contains(version(a));
            assertThat(starting.challenger().map(ModelSlot.Challenger::version)).contains(version(b));
        } finally {
            SelectorFixture.stop(starting);
        }
    }

    @Test
    void aCanaryRequestWhoseChallengerWasRetiredBeforeItsSubmitIsAnsweredByTheChampion() throws Exception {
        start(true);
        publish(0, a);
        publish(1, b);
        selector.controlled(slot, challenge(version(a), version(b), ChallengerMode.CANARY, 1.0));
        ModelSlot.Route drawn = slot.route("", "model_version");
        ModelSlot.Route named = slot.route(ModelControl.CHALLENGER, "model_version");
        assertThat(drawn.role()).isEqualTo(PredictionRole.CANARY);

        slot.retireChallenger(); // between the route and the submit: its batcher is stopped

        ModelSlot.Submitted submitted = slot.submit(drawn, "", image, 1);
        assertThat(submitted.route().role()).as("routed once more, to the champion").isEqualTo(PredictionRole.SERVED);
        assertThat(submitted.route().batcher()).isSameAs(slot.batcher());
        assertThat(submitted.answer().get(WAIT_SECONDS, TimeUnit.SECONDS).model().version()).isEqualTo(version(a));
        StatusRuntimeException asked = refusal(() -> slot.submit(named, ModelControl.CHALLENGER, image, 1));
        assertThat(asked.getStatus().getCode()).as("a client that named the challenger is told it is gone")
                .isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void thePreviousVersionsAreReadWhileADecisionHoldsTheSlot() throws Exception {
        bInShadowBesideA();
        selector.controlled(slot, ModelControl.decided("mlp", version(b), null, null, 0, ModelDecision.PROMOTE,
                List.of("better"), ModelControl.POLICY));
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            synchronized (slot) { // as ModelSelector holds it while it fetches and loads
                Future<List<String>> previous = reader.submit(slot::previousVersions);
                assertThat(previous.get(WAIT_SECONDS, TimeUnit.SECONDS)).containsExactly(version(a));
            }
        } finally {
            reader.shutdownNow();
        }
    }

    @Test
    void shadowWorkStillGatheringWhenTheChallengerIsRetiredIsAnsweredNotFailed() throws Exception {
        bInShadowBesideA();
        DynamicBatcher challenger = slot.challenger().orElseThrow().batcher();
        CompletableFuture<DynamicBatcher.Result> shadowed = challenger.submitPatient(image, 1,
                DynamicBatcher.MAX_PATIENCE_MICROS);

        slot.retireChallenger(); // drains what the challenger holds (up to its 2 s) before stopping it

        assertThat(shadowed.get(WAIT_SECONDS, TimeUnit.SECONDS).model().version()).isEqualTo(version(b));
        assertThat(challenger.outstanding()).isZero();
    }

    @Test
    void aRequestToAStoppedChallengerFailsUnavailableNotSilently() throws Exception {
        bInShadowBesideA();
        ModelSlot.Route route = slot.route(ModelControl.CHALLENGER, "model_version");

        slot.retireChallenger();

        Throwable failure = catchThrowableOfType(Throwable.class,
                () -> route.batcher().submit(image, 1).get(WAIT_SECONDS, TimeUnit.SECONDS));
        Throwable cause = failure instanceof ExecutionException ? failure.getCause() : failure;
        assertThat(Status.fromThrowable(cause).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }
}
