package dev.fmnist.inference;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.hamcrest.Matchers.startsWith;

import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.inference.serving.RepositoryControlGate;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.RepositoryModelLoadRequest;
import dev.fmnist.proto.inference.RepositoryModelUnloadRequest;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code fmnist.serving.repository-control.enabled=false}: Triton's load and unload are refused on both
 * ports, before anything is written, while the rest of the repository extension answers.
 */
@NeedsBroker
@QuarkusTest
@TestProfile(RepositoryControlOffTest.Off.class)
@QuarkusTestResource(TestTopicsResource.class)
class RepositoryControlOffTest {

    /** The service with model control switched off. */
    public static class Off implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(RepositoryControlGate.SETTING, "false");
        }
    }

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @Test
    void restLoadAndUnloadAreForbidden() {
        given().post("/v2/repository/models/better/load").then().statusCode(403)
                .body("error", startsWith("REST load: model control is switched off on this service ("
                        + RepositoryControlGate.SETTING + "=false)"));
        given().post("/v2/repository/models/better/unload").then().statusCode(403)
                .body("error", startsWith("REST unload: model control is switched off"));
        given().post("/v2/repository/index").then().statusCode(200);
    }

    @Test
    void grpcLoadAndUnloadArePermissionDenied() {
        Status load = Status.fromThrowable(catchThrowable(() -> v2.repositoryModelLoad(
                RepositoryModelLoadRequest.newBuilder().setModelName("better").build())));
        assertThat(load.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(load.getDescription()).startsWith("RepositoryModelLoad: model control is switched off");
        Status unload = Status.fromThrowable(catchThrowable(() -> v2.repositoryModelUnload(
                RepositoryModelUnloadRequest.newBuilder().setModelName("better").build())));
        assertThat(unload.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }
}
