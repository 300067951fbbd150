package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.DataType;
import dev.fmnist.proto.inference.GRPCInferenceService;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.ModelConfig;
import dev.fmnist.proto.inference.ModelConfigRequest;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInstanceGroup;
import dev.fmnist.proto.inference.ModelReadyRequest;
import dev.fmnist.proto.inference.ModelRepositoryParameter;
import dev.fmnist.proto.inference.ModelStatistics;
import dev.fmnist.proto.inference.ModelStatisticsRequest;
import dev.fmnist.proto.inference.ModelStreamInferResponse;
import dev.fmnist.proto.inference.RepositoryIndexRequest;
import dev.fmnist.proto.inference.RepositoryIndexResponse.ModelIndex;
import dev.fmnist.proto.inference.RepositoryModelLoadRequest;
import dev.fmnist.proto.inference.RepositoryModelUnloadRequest;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Multi;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Triton's extensions with a real gRPC client, as tritonclient and perf_analyzer call them: streaming,
 * model configuration, statistics, the repository index, and load/unload as pin/unpin through the
 * model-control topic on the real broker.
 */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class TritonExtensionsTest {

    private static ModelArtefact older;
    private static ModelArtefact newer;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @GrpcClient("inference")
    GRPCInferenceService v2Streams;

    @GrpcClient("classifier")
    ClassifierGrpc.ClassifierBlockingStub classifier;

    @BeforeAll
    static void publish() throws Exception {
        older = TestArtefacts.train(21);
        newer = TestArtefacts.train(22);
        TestArtefacts.publish(ArtefactCodec.encode(older));
        TestArtefacts.publish(ArtefactCodec.encode(newer));
    }

    @BeforeEach
    void awaitNewest() throws InterruptedException {
        TestArtefacts.awaitLive(v2, newer.manifest().version());
    }

    @AfterEach
    void followTheNewestAgain() {
        v2.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("mlp").build());
    }

    private static ModelInferRequest infer(String id, List<Long> shape, int images) {
        byte[] pixels = Arrays.copyOfRange(TestArtefacts.DATA.test().images(), 0, images * FashionMnist.PIXELS);
        return ModelInferRequest.newBuilder().setModelName("mlp").setId(id)
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("UINT8").addAllShape(shape))
                .addRawInputContents(ByteString.copyFrom(pixels)).build();
    }

    @Test
    void aStreamAnswersEveryRequestInOrderAndABadOneWithItsErrorWithoutEndingIt() {
        List<ModelStreamInferResponse> responses = v2Streams.modelStreamInfer(Multi.createFrom().items(
                infer("a", List.of(2L, 784L), 2), infer("b", List.of(1L, 3L, 28L, 28L), 3),
                infer("c", List.of(1L, 1L, 28L, 28L), 1))).collect().asList().await().atMost(Duration.ofSeconds(30));

        assertThat(responses).hasSize(3);
        assertThat(responses.get(0).getErrorMessage()).isEmpty();
        assertThat(responses.get(0).getInferResponse().getId()).isEqualTo("a");
        assertThat(responses.get(0).getInferResponse().getOutputs(0).getShapeList()).containsExactly(2L, 10L);
        assertThat(responses.get(1).getErrorMessage()).isEqualTo("INVALID_ARGUMENT: inputs[0].shape: expected "
                + "[N, 1, 28, 28] or [N, 784], got [1, 3, 28, 28]");
        assertThat(responses.get(1).getInferResponse().getId()).isEqualTo("b");
        assertThat(responses.get(2).getErrorMessage()).isEmpty();
        assertThat(responses.get(2).getInferResponse().getId()).isEqualTo("c");
        assertThat(responses.get(2).getInferResponse().getModelVersion()).isEqualTo(newer.manifest().version());
    }

    @Test
    void theConfigStatesTheTensorsAndTheBatchersRealSettings() {
        ModelConfig config = v2.modelConfig(ModelConfigRequest.newBuilder().setName("mlp").build()).getConfig();

        assertThat(config.getName()).isEqualTo("mlp");
        assertThat(config.getMaxBatchSize()).isEqualTo(1000); // %test.fmnist.serving.max-batch
        assertThat(config.getInput(0).getName()).isEqualTo("images");
        assertThat(config.getInput(0).getDataType()).isEqualTo(DataType.TYPE_FP32);
        assertThat(config.getInput(0).getDimsList()).containsExactly(1L, 28L, 28L);
        assertThat(config.getOutput(0).getDimsList()).containsExactly(10L);
        assertThat(config.getDynamicBatching().getPreferredBatchSizeList()).containsExactly(64);
        assertThat(config.getDynamicBatching().getMaxQueueDelayMicroseconds()).isZero();
        assertThat(config.getDynamicBatching().getDefaultQueuePolicy().getMaxQueueSize()).isEqualTo(16);
        assertThat(config.getInstanceGroup(0).getKind()).isEqualTo(ModelInstanceGroup.Kind.KIND_CPU);
        assertThat(config.getInstanceGroup(0).getCount()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(config.getParametersMap().get("live_version").getStringValue()).isEqualTo(newer.manifest().version());
        assertThat(config.getParametersMap().get("test_time_flip").getStringValue()).isEqualTo("false");
        assertStatus(() -> v2.modelConfig(ModelConfigRequest.newBuilder().setName("resnet").build()),
                Status.Code.NOT_FOUND, "name: unknown model 'resnet'; this server serves mlp");
    }

    @Test
    void statisticsCountImagesRequestsPassesAndFailuresOfTheLiveVersion() {
        String version = newer.manifest().version();
        ModelStatistics before = statistics(version);
        for (int i = 0; i < 3; i++) {
            v2.modelInfer(infer("s" + i, List.of(4L, 784L), 4));
        }
        assertStatus(() -> v2.modelInfer(infer("bad", List.of(4L, 3L), 4)), Status.Code.INVALID_ARGUMENT,
                "inputs[0].shape");
        ModelStatistics after = statistics(version);

        assertThat(after.getName()).isEqualTo("mlp");
        assertThat(after.getInferenceCount() - before.getInferenceCount()).isEqualTo(12);
        assertThat(after.getInferenceStats().getSuccess().getCount() - before.getInferenceStats().getSuccess().getCount())
                .isEqualTo(3);
        assertThat(after.getInferenceStats().getQueue().getCount() - before.getInferenceStats().getQueue().getCount())
                .isEqualTo(3);
        assertThat(after.getInferenceStats().getFail().getCount() - before.getInferenceStats().getFail().getCount())
                .isEqualTo(1);
        assertThat(after.getExecutionCount()).isGreaterThan(before.getExecutionCount());
        assertThat(after.getInferenceStats().getComputeInfer().getNs())
                .isGreaterThan(before.getInferenceStats().getComputeInfer().getNs());
        assertThat(after.getBatchStatsList()).anySatisfy(b -> assertThat(b.getBatchSize()).isEqualTo(4));
        assertThat(after.getLastInference()).isGreaterThan(System.currentTimeMillis() - 60_000);
        assertThat(v2.modelStatistics(ModelStatisticsRequest.getDefaultInstance()).getModelStatsList())
                .anySatisfy(s -> assertThat(s.getVersion()).isEqualTo(version));
        assertStatus(() -> v2.modelStatistics(ModelStatisticsRequest.newBuilder().setName("resnet").build()),
                Status.Code.NOT_FOUND, "unknown model 'resnet'");
    }

    private ModelStatistics statistics(String version) {
        List<ModelStatistics> stats = v2.modelStatistics(ModelStatisticsRequest.newBuilder().setName("mlp")
                .setVersion(version).build()).getModelStatsList();
        return stats.isEmpty() ? ModelStatistics.getDefaultInstance() : stats.get(0);
    }

    @Test
    void loadPinsAVersionForEveryReplicaAndUnloadFollowsTheNewestAgain() throws Exception {
        String olderVersion = older.manifest().version();
        v2.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("mlp")
                .putParameters("version", ModelRepositoryParameter.newBuilder().setStringParam(olderVersion).build())
                .build());

        // answered once this replica serves it
        assertThat(v2.modelReady(ModelReadyRequest.newBuilder().setName("mlp").setVersion(olderVersion).build())
                .getReady()).isTrue();
        ModelInfo info = classifier.getModel(GetModelRequest.newBuilder().setModel("mlp").build());
        assertThat(info.getPinned()).isEqualTo(olderVersion);
        assertThat(info.getControlReason()).isEqualTo("RepositoryModelLoad");
        assertThat(info.getPreviousVersionsList()).contains(newer.manifest().version());
        ModelIndex index = v2.repositoryIndex(RepositoryIndexRequest.newBuilder().setReady(true).build()).getModels(0);
        assertThat(index.getName()).isEqualTo("mlp");
        assertThat(index.getVersion()).isEqualTo(olderVersion);
        assertThat(index.getState()).isEqualTo("READY");
        assertThat(index.getReason()).isEqualTo("pinned to " + olderVersion);

        // a newer artefact does not replace a pinned one
        ModelArtefact newest = TestArtefacts.train(23);
        TestArtefacts.publish(ArtefactCodec.encode(newest));
        Thread.sleep(3000);
        assertThat(v2.modelInfer(infer("pinned", List.of(1L, 784L), 1)).getModelVersion()).isEqualTo(olderVersion);

        v2.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("mlp")
                .putParameters("unload_dependents", ModelRepositoryParameter.newBuilder().setBoolParam(false).build())
                .build());
        assertThat(v2.modelInfer(infer("newest", List.of(1L, 784L), 1)).getModelVersion())
                .isEqualTo(newest.manifest().version());
        newer = newest; // what the other tests now expect live

        assertStatus(() -> v2.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("mlp")
                .putParameters("version", ModelRepositoryParameter.newBuilder().setStringParam("000000000000").build())
                .build()), Status.Code.NOT_FOUND,
                "parameters.version: '000000000000' is not among the artefacts published for mlp");
        assertStatus(() -> v2.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName("mlp")
                .putParameters("config", ModelRepositoryParameter.newBuilder().setStringParam("{}").build()).build()),
                Status.Code.INVALID_ARGUMENT, "parameters.config: not supported (accepted: version)");
        assertStatus(() -> v2.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("resnet")
                .build()), Status.Code.NOT_FOUND, "model_name: unknown model 'resnet'");
    }

    private static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }
}
