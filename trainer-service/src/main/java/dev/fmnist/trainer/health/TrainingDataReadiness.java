package dev.fmnist.trainer.health;

import dev.fmnist.trainer.data.DatasetHolder;
import dev.fmnist.trainer.training.ExperimentLedger;
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
    ExperimentLedger ledger;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("training-data")
                .status(dataset.isLoaded() && ledger.isReady())
                .withData("dataLoaded", dataset.isLoaded())
                .withData("dataError", dataset.failure().orElse(""))
                .withData("historyRead", ledger.isReady())
                .build();
    }
}
