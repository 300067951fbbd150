package dev.fmnist.inference.health;

import dev.fmnist.inference.serving.ModelSlot;
import dev.fmnist.inference.serving.ModelRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only once every served model has a version live (Triton's strict readiness); liveness does not
 * depend on it. A version goes live only once start-up has indexed the models topic and chosen (see
 * {@code messaging.ModelsStartUp}), so ready never means an older version than the newest or pinned one.
 */
@Readiness
@ApplicationScoped
public class ModelLoadedReadiness implements HealthCheck {

    @Inject
    ModelRepository repository;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named("models").status(repository.ready());
        response.withData("start-up", repository.startedUp() ? "done" : "indexing the models topic");
        for (ModelSlot slot : repository.all()) {
            response.withData(slot.name(), slot.manifest().map(m -> m.version())
                    .orElse("no artefact loaded yet") + slot.problem().map(p -> "; " + p).orElse(""));
        }
        return response.build();
    }
}
