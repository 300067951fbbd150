package dev.fmnist.inference.health;

import dev.fmnist.inference.serving.ModelRepository;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;

/**
 * The standard gRPC health service ({@code grpc.health.v1.Health}) says what readiness says: the
 * classification services are NOT_SERVING until every served model has a version live. Quarkus marks every service
 * SERVING when the server starts, so this runs after that and again on every swap.
 */
@ApplicationScoped
public class GrpcServingStatus {

    /** The overall status ("") and the two services that need a model. */
    static final List<String> MODEL_SERVICES = List.of(GrpcHealthStorage.DEFAULT_SERVICE_NAME, "fmnist.v1.Classifier",
            "inference.GRPCInferenceService");

    @Inject
    GrpcHealthStorage storage;

    @Inject
    ModelRepository repository;

    void onStart(@Observes StartupEvent event) {
        update();
    }

    /** Publishes SERVING or NOT_SERVING from whether every served model is live now. */
    public void update() {
        publish(repository.ready());
    }

    void publish(boolean ready) {
        ServingStatus status = ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        MODEL_SERVICES.forEach(service -> storage.setStatus(service, status));
    }
}
