package dev.fmnist.inference.health;

import dev.fmnist.inference.serving.LiveModel;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only with a model to serve; liveness does not depend on it. */
@Readiness
@ApplicationScoped
public class ModelLoadedReadiness implements HealthCheck {

    @Inject
    LiveModel live;

    @Override
    public HealthCheckResponse call() {
        return live.peek()
                .map(m -> HealthCheckResponse.named("model").up().withData("version", m.manifest().version()).build())
                .orElseGet(() -> HealthCheckResponse.named("model").down()
                        .withData("reason", "no artefact loaded yet").build());
    }
}
