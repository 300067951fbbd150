package dev.fmnist.inference.health;

import dev.fmnist.inference.serving.ModelSlot;
import dev.fmnist.inference.serving.ModelRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once every served model has a version live (Triton's strict readiness); liveness does not depend on it. */
@Readiness
@ApplicationScoped
public class ModelLoadedReadiness implements HealthCheck {

    @Inject
    ModelRepository repository;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("models").status(repository.ready());
        for (ModelSlot slot : repository.all()) {
            response.withData(slot.name(), slot.manifest().map(m -> m.version())
                    .orElse("no artefact loaded yet") + slot.problem().map(p -> "; " + p).orElse(""));
        }
        return response.build();
    }
}
