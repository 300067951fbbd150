package dev.fmnist.trainer.health;

import dev.fmnist.trainer.coordination.ExperimentStates;
import dev.fmnist.trainer.data.DatasetHolder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the data is in memory and the experiment history is read (Kafka's own checks sit beside it). */
@Readiness
@ApplicationScoped
public class TrainingDataReadiness implements HealthCheck {

    @Inject
    DatasetHolder dataset;

    @Inject
    ExperimentStates states;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("training-data")
                .status(dataset.isLoaded() && states.isReady())
                .withData("dataLoaded", dataset.isLoaded())
                .withData("dataError", dataset.failure().orElse(""))
                .withData("historyRead", states.isReady())
                .build();
    }
}
