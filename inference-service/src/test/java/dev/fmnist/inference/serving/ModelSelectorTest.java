package dev.fmnist.inference.serving;

import static dev.fmnist.inference.serving.SelectorFixture.version;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
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

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private SelectorFixture fixture;
    private Map<Long, byte[]> modelsTopic;
    private AtomicInteger statusUpdates;
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
        InferenceConfig config = TinyArtefacts.config(List.of("mlp"), FLOOR);
        ServingEngine engine = new ServingEngine();
        engine.engine = TinyArtefacts.ENGINE;
        engine.config = config;
        engine.readForms();
        // started up on an empty topic: every test publishes after
        fixture = new SelectorFixture(engine, new ServingMetrics(registry), config, false);
        modelsTopic = fixture.modelsTopic;
        statusUpdates = fixture.statusUpdates;
        selector = fixture.selector;
        slot = fixture.slot;
        statusUpdates.set(0);
    }

    @AfterEach
    void stop() {
        fixture.close();
    }

    private void publish(long offset, ModelArtefact artefact) {
        fixture.publish(offset, artefact);
    }

    private String live() {
        return fixture.live();
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
        ModelSlot starting = SelectorFixture.newSlot(new ServingMetrics(registry), false);
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
            SelectorFixture.stop(starting);
        }
    }

    @Test
    void startUpReadsTheNewestAgainWhileTheTopicCannotBeReadRatherThanServeAnOlderOne() {
        ModelSlot starting = SelectorFixture.newSlot(new ServingMetrics(registry), false);
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
            SelectorFixture.stop(starting);
        }
    }

    @Test
    void aBadRecordCarryingTheNewestsHeadersIsRefusedByOffsetAndTheRealOneServes() {
        ModelSlot starting = SelectorFixture.newSlot(new ServingMetrics(registry), false);
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
            SelectorFixture.stop(starting);
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
