package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.inference.config.InferenceConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each served model's forward form comes from fmnist.serving.forward, overridden per model; a bad one is refused by its key. */
class ServingEngineFormsTest {

    @Test
    void aModelsOwnFormOverridesTheDefault() {
        ServingEngine engine = engine(Map.of("fmnist.serving.models", "better,mlp",
                "fmnist.serving.forward-by-model.\"better\"", "BLOCK"));
        assertThat(engine.form("better")).isEqualTo(ForwardForm.BLOCK);
        assertThat(engine.form("mlp")).as("the default").isEqualTo(ForwardForm.TORCHSCRIPT);

        ServingEngine blocks = engine(Map.of("fmnist.serving.models", "better,compare-k5", "fmnist.serving.forward",
                "block", "fmnist.serving.forward-by-model.\"compare-k5\"", "torchscript"));
        assertThat(blocks.form("better")).isEqualTo(ForwardForm.BLOCK);
        assertThat(blocks.form("compare-k5")).isEqualTo(ForwardForm.TORCHSCRIPT);
    }

    @Test
    void anUnknownFormOrModelIsRefusedNamingItsSetting() {
        assertThatThrownBy(() -> engine(Map.of("fmnist.serving.forward", "onnx")))
                .hasMessage("fmnist.serving.forward: expected one of block, torchscript, got onnx");
        assertThatThrownBy(() -> engine(Map.of("fmnist.serving.forward-by-model.\"better\"", "traced")))
                .hasMessage("fmnist.serving.forward-by-model.\"better\": expected one of block, torchscript, got traced");
        assertThatThrownBy(() -> engine(Map.of("fmnist.serving.forward-by-model.\"resnet\"", "block")))
                .hasMessageStartingWith("fmnist.serving.forward-by-model.\"resnet\": ");
        assertThatThrownBy(() -> engine(Map.of("fmnist.serving.forward-by-model.\"mlp\"", "block")))
                .hasMessage("fmnist.serving.forward-by-model.\"mlp\": mlp is not served (fmnist.serving.models: better)");
        assertThatThrownBy(() -> engine(Map.of("fmnist.serving.models", "mlp", "fmnist.serving.forward-by-model.\"mlp\"",
                "block", "fmnist.serving.forward-by-model.\"MLP\"", "block")))
                .hasMessageEndingWith(": mlp is given a form twice");
    }

    private static ServingEngine engine(Map<String, String> properties) {
        ServingEngine engine = new ServingEngine();
        engine.config = new SmallRyeConfigBuilder().withMapping(InferenceConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 500)).build()
                .getConfigMapping(InferenceConfig.class);
        engine.readForms();
        return engine;
    }
}
