package dev.fmnist.inference.health;

import static org.assertj.core.api.Assertions.assertThat;

import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import org.junit.jupiter.api.Test;

/** Before any model is live the gRPC health service must not say SERVING (the service test covers after). */
class GrpcServingStatusTest {

    @Test
    void notServingWhileNoModelIsLive() {
        GrpcServingStatus status = new GrpcServingStatus();
        status.storage = new GrpcHealthStorage();
        status.storage.setStatus("fmnist.v1.Classifier", ServingStatus.SERVING); // what Quarkus does at start

        status.publish(false); // what update() publishes while a served model has no version live

        for (String service : GrpcServingStatus.MODEL_SERVICES) {
            assertThat(status.storage.statusForService(service).getStatus()).as(service)
                    .isEqualTo(ServingStatus.NOT_SERVING);
        }
        status.publish(true);
        for (String service : GrpcServingStatus.MODEL_SERVICES) {
            assertThat(status.storage.statusForService(service).getStatus()).as(service)
                    .isEqualTo(ServingStatus.SERVING);
        }
    }
}
