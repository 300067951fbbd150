package dev.fmnist.inference.serving;

import dev.fmnist.inference.config.RepositoryControlConfig;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Whether Triton's model control calls (gRPC and REST) may pin and unpin for the fleet
 * ({@code fmnist.serving.repository-control.enabled}): this service writes them to the model-control
 * topic under its own principal for whoever calls, so on a cluster whose ACLs keep that topic to
 * operators the switch closes the way round them.
 */
@ApplicationScoped
public class RepositoryControlGate {

    /** The setting, for messages. */
    public static final String SETTING = "fmnist.serving.repository-control.enabled";

    @Inject
    RepositoryControlConfig config;

    /** Refuses {@code call} with PERMISSION_DENIED (HTTP 403) when model control is switched off. */
    public void check(String call) {
        if (!config.enabled()) {
            throw Status.PERMISSION_DENIED.withDescription(call + ": model control is switched off on this service ("
                    + SETTING + "=false); pins go through the model-control topic: fmnist models pin, unpin, rollback")
                    .asRuntimeException();
        }
    }
}
