package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.health.GrpcServingStatus;
import dev.fmnist.inference.messaging.ArtefactFetcher;
import dev.fmnist.inference.messaging.ArtefactUnreachableException;
import dev.fmnist.inference.metrics.ServingMetrics;
import dev.fmnist.proto.v1.RefusedArtefact;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What each served model runs, decided from the two topics, with real (tiny) models and no broker:
 * the models topic is a map of offsets the selector reads artefacts from again, as it reads the
 * topic. The newest artefact goes live if it passes the accuracy floor; a pin serves its version over
 * newer ones and is not held to the floor; unpinning goes back to the newest that can be served; what
 * cannot be served is refused with its reason while the live version keeps serving.
 */
class ModelSelectorTest {

    private static final double FLOOR = 0.8;
    private static final double GOOD = 0.9;
    private static final double POOR = 0.5;

    private static ModelArtefact a;
    private static ModelArtefact b;
    private static ModelArtefact c;

    private final Map<Long, byte[]> modelsTopic = new ConcurrentHashMap<>();
    private final AtomicInteger statusUpdates = new AtomicInteger();
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private ModelSelector selector;
    private ModelSlot slot;

    @BeforeAll
    static void train() {
        a = TinyArtefacts.withAccuracy(TinyArtefacts.train(11, "selector-a"), GOOD);
        b = TinyArtefacts.withAccuracy(TinyArtefacts.train(12, "selector-b"), GOOD);
        c = TinyArtefacts.withAccuracy(TinyArtefacts.train(13, "selector-c"), GOOD);
        assertThat(List.of(version(a), version(b), version(c))).doesNotHaveDuplicates();
    }

    @BeforeEach
    void newSelector() {
        ServingMetrics metrics = new ServingMetrics(registry);
        slot = newSlot(metrics);
        ServingEngine engine = new ServingEngine();
        engine.engine = TinyArtefacts.ENGINE;
        selector = new ModelSelector();
        selector.engine = engine;
        selector.metrics = metrics;
        selector.config = TinyArtefacts.config(List.of("mlp"), FLOOR);
        selector.servingStatus = new GrpcServingStatus() {
            @Override
            public void update() {
                statusUpdates.incrementAndGet();
            }
        };
        selector.fetcher = new ArtefactFetcher() {
            @Override
            public byte[] fetch(long offset) {
                byte[] value = modelsTopic.get(offset);
                if (value == null) {
                    throw new IllegalStateException("offset " + offset + " is gone (compacted)");
                }
                return value;
            }
        };
        selector.startUp(slot); // an empty topic at start: every test publishes after
        statusUpdates.set(0);
    }

    private static ModelSlot newSlot(ServingMetrics metrics) {
        NetworkSpec network = NetworkSpec.of(Architecture.MLP);
        LiveModel live = new LiveModel(network.servingName());
        InferenceStats stats = new InferenceStats(network.servingName());
        return new ModelSlot(network, live, new DynamicBatcher(network.servingName(), live, stats,
                TinyArtefacts.BATCHING, metrics.servedModel(network.servingName())), stats);
    }

    @AfterEach
    void stop() {
        slot.stop();
        slot.live().peek().ifPresent(ServedModel::retire);
    }

    private static String version(ModelArtefact artefact) {
        return artefact.manifest().version();
    }

    private void publish(long offset, ModelArtefact artefact) {
        byte[] bytes = ArtefactCodec.encode(artefact);
        modelsTopic.put(offset, bytes);
        selector.published(slot, offset, bytes);
    }

    private String live() {
        return slot.manifest().map(m -> m.version()).orElse("(none)");
    }

    private RefusedArtefact lastRefusal() {
        List<RefusedArtefact> all = slot.refused().all();
        assertThat(all).as("refused").isNotEmpty();
        return all.get(all.size() - 1);
    }

    private double loads(String result) {
        return registry.counter("fmnist.inference.model.loads", "model", "mlp", "result", result).count();
    }

    @Test
    void beforeStartUpArtefactsAndControlRecordsAreOnlyRecordedThenTheNewestServesAlone() {
        ModelSlot starting = newSlot(new ServingMetrics(registry));
        try {
            byte[] first = ArtefactCodec.encode(a);
            byte[] second = ArtefactCodec.encode(b);
            modelsTopic.put(0L, first);
            modelsTopic.put(1L, second);
            selector.published(starting, 0, first);
            selector.controlled(starting, ModelControl.followNewest("mlp", "unpin"));
            selector.published(starting, 1, second);

            assertThat(starting.ready()).as("nothing decided before start-up").isFalse();
            assertThat(selector.startedUp(starting)).isFalse();

            selector.startUp(starting);

            assertThat(starting.manifest().map(m -> m.version())).contains(version(b));
            assertThat(starting.previousVersions()).as("never served the older one").isEmpty();
            assertThat(loads("loaded")).isEqualTo(1);
        } finally {
            starting.stop();
            starting.live().peek().ifPresent(ServedModel::retire);
        }
    }

    @Test
    void startUpReadsTheNewestAgainWhileTheTopicCannotBeReadRatherThanServeAnOlderOne() {
        ModelSlot starting = newSlot(new ServingMetrics(registry));
        ArtefactFetcher reliable = selector.fetcher;
        AtomicInteger unreachable = new AtomicInteger(2);
        selector.fetcher = new ArtefactFetcher() {
            @Override
            public byte[] fetch(long offset) {
                if (offset == 1 && unreachable.getAndDecrement() > 0) { // a broker restarting under the newest
                    throw new ArtefactUnreachableException("offset 1 not read within 20 s");
                }
                return reliable.fetch(offset);
            }
        };
        try {
            modelsTopic.put(0L, ArtefactCodec.encode(a));
            modelsTopic.put(1L, ArtefactCodec.encode(b));
            selector.indexed(starting, PublishedVersions.Entry.of(a.manifest(), 0));
            selector.indexed(starting, PublishedVersions.Entry.of(b.manifest(), 1));

            selector.startUp(starting);

            assertThat(starting.manifest().map(m -> m.version())).contains(version(b));
            assertThat(starting.previousVersions()).as("never served the older one").isEmpty();
            assertThat(starting.refused().all()).as("the newest is not refused for the topic's hiccup").isEmpty();
        } finally {
            starting.stop();
            starting.live().peek().ifPresent(ServedModel::retire);
        }
    }

    @Test
    void aBadRecordCarryingTheNewestsHeadersIsRefusedByOffsetAndTheRealOneServes() {
        ModelSlot starting = newSlot(new ServingMetrics(registry));
        try {
            modelsTopic.put(0L, ArtefactCodec.encode(a));
            modelsTopic.put(1L, ArtefactCodec.encode(b));
            modelsTopic.put(2L, "garbage under b's headers".getBytes(StandardCharsets.UTF_8));
            selector.indexed(starting, PublishedVersions.Entry.of(a.manifest(), 0));
            selector.indexed(starting, PublishedVersions.Entry.of(b.manifest(), 1));
            selector.indexed(starting, PublishedVersions.Entry.of(b.manifest(), 2));

            selector.startUp(starting);

            assertThat(starting.manifest().map(m -> m.version())).as("b from its real record").contains(version(b));
            assertThat(starting.refused().containsOffset(2)).isTrue();
            assertThat(starting.refused().contains(version(b))).as("the version itself is not refused").isFalse();
        } finally {
            starting.stop();
            starting.live().peek().ifPresent(ServedModel::retire);
        }
    }

    @Test
    void eachNewArtefactGoesLiveAndTheOneBeforeIsRemembered() {
        publish(0, a);
        assertThat(live()).isEqualTo(version(a));
        publish(1, b);

        assertThat(live()).isEqualTo(version(b));
        assertThat(slot.previousVersions()).containsExactly(version(a));
        assertThat(slot.published().newestFirst()).extracting(PublishedVersions.Entry::version)
                .containsExactly(version(b), version(a));
        assertThat(slot.refused().all()).isEmpty();
        assertThat(statusUpdates.get()).as("readiness republished on each swap").isEqualTo(2);
    }

    @Test
    void anArtefactBelowTheFloorIsRefusedAndTheLiveVersionKeepsServing() {
        publish(0, a);
        publish(1, TinyArtefacts.withAccuracy(b, POOR));

        assertThat(live()).isEqualTo(version(a));
        assertThat(slot.refused().contains(version(b))).isTrue();
        assertThat(lastRefusal().getExperimentId()).isEqualTo("selector-b");
        assertThat(lastRefusal().getReason()).isEqualTo("test accuracy " + POOR + " is below the required " + FLOOR);
        assertThat(loads("refused")).isEqualTo(1);
    }

    @Test
    void anUnreadableOrMislabelledArtefactIsRefusedWithItsReason() {
        publish(0, a);
        selector.published(slot, 1, "not a zip".getBytes(StandardCharsets.UTF_8));

        assertThat(lastRefusal().getVersion()).isEmpty();
        assertThat(lastRefusal().getReason()).startsWith("unreadable artefact at offset 1: ");

        publish(2, TinyArtefacts.labelled(b, Architecture.BETTER));

        assertThat(lastRefusal().getVersion()).isEqualTo(version(b));
        assertThat(lastRefusal().getReason()).isEqualTo("manifest says better but it was published as mlp");
        assertThat(slot.published().find(version(b))).as("not recorded as one of this model's").isEmpty();
        assertThat(live()).isEqualTo(version(a));
    }

    @Test
    void aPinServesItsVersionOverNewerOnesAndUnpinningGoesBackToTheNewest() {
        publish(0, a);
        publish(1, b);

        selector.controlled(slot, ModelControl.pin("mlp", version(a), "rollback"));

        assertThat(live()).isEqualTo(version(a));
        assertThat(slot.pinned()).contains(version(a));
        assertThat(slot.problem()).isEmpty();

        publish(2, c);

        assertThat(live()).as("pinned: a newer artefact is recorded, not served").isEqualTo(version(a));
        assertThat(slot.published().newest().orElseThrow().version()).isEqualTo(version(c));

        selector.controlled(slot, ModelControl.followNewest("mlp", "unpin"));

        assertThat(live()).isEqualTo(version(c));
        assertThat(slot.pinned()).isEmpty();
    }

    @Test
    void aPinMayNameTheExperimentThatPublishedTheVersion() {
        publish(0, a);
        publish(1, b);

        selector.controlled(slot, ModelControl.pin("mlp", "selector-a", "rollback"));

        assertThat(live()).isEqualTo(version(a));
    }

    @Test
    void aPinIsNotHeldToTheFloor() {
        publish(0, a);
        publish(1, TinyArtefacts.withAccuracy(b, POOR));
        assertThat(live()).isEqualTo(version(a));

        selector.controlled(slot, ModelControl.pin("mlp", version(b), "the operator chose it"));

        assertThat(live()).isEqualTo(version(b));
        assertThat(slot.problem()).isEmpty();
    }

    @Test
    void aPinToAVersionNotYetPublishedSaysSoAndLoadsItWhenItArrives() {
        publish(0, a);

        selector.controlled(slot, ModelControl.pin("mlp", version(c), "ahead of the trainer"));

        assertThat(live()).isEqualTo(version(a));
        assertThat(slot.problem()).contains("pinned to " + version(c) + ", not (yet) seen on the models topic; "
                + version(a) + " keeps serving");

        publish(1, b);
        assertThat(live()).as("not the pinned version").isEqualTo(version(a));
        publish(2, TinyArtefacts.withAccuracy(c, POOR));

        assertThat(live()).as("the pinned version, floor or not").isEqualTo(version(c));
        assertThat(slot.problem()).isEmpty();
    }

    @Test
    void aPinnedVersionThatCannotBeReadAgainIsRefusedAndSaidSoWhileTheLiveOneKeepsServing() {
        publish(0, a);
        publish(1, b);
        modelsTopic.remove(0L); // compacted away

        selector.controlled(slot, ModelControl.pin("mlp", version(a), "rollback"));

        assertThat(live()).isEqualTo(version(b));
        assertThat(lastRefusal().getVersion()).isEqualTo(version(a));
        assertThat(lastRefusal().getReason()).isEqualTo("cannot be read again from the models topic: offset 0 is gone "
                + "(compacted)");
        assertThat(slot.problem()).as("the repository answers the pin with this")
                .contains("pinned to " + version(a) + ", which cannot be loaded (see refused)");
    }

    @Test
    void unpinningFallsBackPastRefusedVersionsToTheNewestServable() {
        publish(0, a);
        publish(1, b);
        publish(2, TinyArtefacts.withAccuracy(c, POOR)); // refused: b stays live
        selector.controlled(slot, ModelControl.pin("mlp", version(a), "rollback"));
        assertThat(live()).isEqualTo(version(a));

        selector.controlled(slot, ModelControl.followNewest("mlp", "unpin"));

        assertThat(live()).isEqualTo(version(b));
        assertThat(slot.problem()).isEmpty();
    }

    @Test
    void aRepositoryRequestForAVersionNotLiveIsRefusedNamingTheLiveOne() {
        publish(0, a);
        ModelRepository repository = new ModelRepository();
        repository.slots = new ModelSlots() {
            @Override
            public ModelSlot require(String name, String field) {
                return slot;
            }
        };

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> repository.require("mlp", version(b), "model_version"));

        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(refused.getStatus().getDescription()).isEqualTo("model_version: '" + version(b)
                + "' is not loaded; live is " + version(a));
        assertThat(repository.require("mlp", version(a), "model_version")).isSameAs(slot);
    }
}
