package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fmnist.inference.metrics.ServingMetrics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The served models as {@code fmnist.serving.models} lists them: each its own slot and batcher, found
 * by name or by the key its artefacts carry; a request naming another model is NOT_FOUND listing what
 * is served; a setting that cannot be served stops the start-up naming the setting.
 */
class ModelSlotsTest {

    private final List<ModelSlots> created = new ArrayList<>();

    private ModelSlots slots(List<String> models) {
        ModelSlots slots = new ModelSlots();
        slots.config = TinyArtefacts.config(models, 0);
        slots.metrics = new ServingMetrics(new SimpleMeterRegistry());
        slots.engine = TinyArtefacts.ENGINE;
        created.add(slots);
        slots.create();
        return slots;
    }

    @AfterEach
    void stop() {
        created.forEach(ModelSlots::stop);
    }

    @Test
    void eachListedModelHasItsOwnSlotInTheSettingsOrder() {
        ModelSlots slots = slots(List.of("better", "compare-k3", "mlp"));

        assertThat(slots.all()).extracting(ModelSlot::name).containsExactly("better", "compare-k3", "mlp");
        assertThat(slots.all()).extracting(ModelSlot::batcher).doesNotHaveDuplicates();
        assertThat(slots.find("compare-k3").orElseThrow().artefactKey()).isEqualTo("compare(k=3)");
        assertThat(slots.forArtefactKey("compare(k=3)")).containsSame(slots.find("compare-k3").orElseThrow());
        assertThat(slots.forArtefactKey("compare(k=5)")).isEmpty();
        assertThat(slots.find("compare-k5")).isEmpty();
        assertThat(slots.all()).allSatisfy(slot -> assertThat(slot.batcher().workers())
                .isEqualTo(TinyArtefacts.BATCHING.workers()));
    }

    @Test
    void aRequestWithoutAModelGetsTheFirstListedAndAnUnknownOneIsNotFoundListingTheServed() {
        ModelSlots slots = slots(List.of("mlp", "better"));

        assertThat(slots.require("", "model").name()).isEqualTo("mlp");
        assertThat(slots.require(null, "model").name()).isEqualTo("mlp");
        assertThat(slots.require("better", "model").name()).isEqualTo("better");
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> slots.require("compare-k3", "model_name"));

        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(refused.getStatus().getDescription())
                .isEqualTo("model_name: unknown model 'compare-k3'; this server serves mlp, better");
    }

    @Test
    void readyOnlyOnceEveryServedModelHasAVersionLive() {
        ModelSlots slots = slots(List.of("mlp"));
        assertThat(slots.allReady()).isFalse();

        slots.find("mlp").orElseThrow().swap(TinyArtefacts.load(TinyArtefacts.train(21, "slots-test")));

        assertThat(slots.allReady()).isTrue();
        slots.find("mlp").orElseThrow().live().peek().orElseThrow().retire();
    }

    @Test
    void aSettingThatCannotBeServedIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> slots(List.of("mlp", "resnet")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("fmnist.serving.models: ")
                .hasMessageContaining("resnet");
        assertThatThrownBy(() -> slots(List.of("mlp", "mlp")))
                .hasMessage("fmnist.serving.models: 'mlp' is listed twice");
        assertThatThrownBy(() -> slots(List.of()))
                .hasMessage("fmnist.serving.models: lists no model; name at least one, e.g. better");
    }

    @Test
    void stoppingTheSlotsStopsEveryBatcher() {
        ModelSlots slots = slots(List.of("mlp", "better"));

        slots.stop();

        for (ModelSlot slot : slots.all()) {
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                    () -> slot.batcher().submit(new float[784], 1));
            assertThat(refused).as(slot.name()).isNotNull();
            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
    }
}
