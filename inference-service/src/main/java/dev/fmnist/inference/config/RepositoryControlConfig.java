package dev.fmnist.inference.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Triton's model control on this service's ports (gRPC RepositoryModelLoad/Unload, REST
 * /v2/repository/models/{name}/load|unload): each call pins or unpins a model for the whole fleet,
 * written to the model-control topic under this service's principal, for any caller who reaches the
 * port. A mapping of its own beside {@link InferenceConfig}, under {@code fmnist.serving}, so the
 * hand-made {@code InferenceConfig}s of the unit tests need not change.
 */
@ConfigMapping(prefix = "fmnist.serving.repository-control")
public interface RepositoryControlConfig {

    /**
     * Off, the calls are refused (PERMISSION_DENIED, HTTP 403) and pins go only through the
     * model-control topic, where Kafka's ACLs say who may write ({@code fmnist models pin}).
     */
    @WithDefault("true")
    boolean enabled();
}
