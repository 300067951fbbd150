package dev.fmnist.inference.serving;

import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.inference.predictions.RequestIds;
import dev.fmnist.proto.inference.CudaSharedMemoryRegisterRequest;
import dev.fmnist.proto.inference.CudaSharedMemoryRegisterResponse;
import dev.fmnist.proto.inference.CudaSharedMemoryStatusRequest;
import dev.fmnist.proto.inference.CudaSharedMemoryStatusResponse;
import dev.fmnist.proto.inference.CudaSharedMemoryUnregisterRequest;
import dev.fmnist.proto.inference.CudaSharedMemoryUnregisterResponse;
import dev.fmnist.proto.inference.GRPCInferenceService;
import dev.fmnist.proto.inference.LogSettingsRequest;
import dev.fmnist.proto.inference.LogSettingsResponse;
import dev.fmnist.proto.inference.ModelConfigRequest;
import dev.fmnist.proto.inference.ModelConfigResponse;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelMetadataRequest;
import dev.fmnist.proto.inference.ModelMetadataResponse.TensorMetadata;
import dev.fmnist.proto.inference.ModelMetadataResponse;
import dev.fmnist.proto.inference.ModelReadyRequest;
import dev.fmnist.proto.inference.ModelReadyResponse;
import dev.fmnist.proto.inference.ModelStatisticsRequest;
import dev.fmnist.proto.inference.ModelStatisticsResponse;
import dev.fmnist.proto.inference.ModelStreamInferResponse;
import dev.fmnist.proto.inference.RepositoryIndexRequest;
import dev.fmnist.proto.inference.RepositoryIndexResponse;
import dev.fmnist.proto.inference.RepositoryModelLoadRequest;
import dev.fmnist.proto.inference.RepositoryModelLoadResponse;
import dev.fmnist.proto.inference.RepositoryModelUnloadRequest;
import dev.fmnist.proto.inference.RepositoryModelUnloadResponse;
import dev.fmnist.proto.inference.ServerLiveRequest;
import dev.fmnist.proto.inference.ServerLiveResponse;
import dev.fmnist.proto.inference.ServerMetadataRequest;
import dev.fmnist.proto.inference.ServerMetadataResponse;
import dev.fmnist.proto.inference.ServerReadyRequest;
import dev.fmnist.proto.inference.ServerReadyResponse;
import dev.fmnist.proto.inference.SystemSharedMemoryRegisterRequest;
import dev.fmnist.proto.inference.SystemSharedMemoryRegisterResponse;
import dev.fmnist.proto.inference.SystemSharedMemoryStatusRequest;
import dev.fmnist.proto.inference.SystemSharedMemoryStatusResponse;
import dev.fmnist.proto.inference.SystemSharedMemoryUnregisterRequest;
import dev.fmnist.proto.inference.SystemSharedMemoryUnregisterResponse;
import dev.fmnist.proto.inference.TraceSettingRequest;
import dev.fmnist.proto.inference.TraceSettingResponse;
import io.grpc.Status;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;

/**
 * The Open Inference Protocol (KServe v2) with Triton's extensions over gRPC, for every served model:
 * an adapter that translates messages in and out. Inference is the {@link InferenceRequests} data
 * plane, shared with the KServe REST resource; readiness, the index and RepositoryModelLoad/Unload
 * (a pin and an unpin for the whole fleet) are the {@link ModelRepository}'s.
 */
@GrpcService
public class OpenInferenceService implements GRPCInferenceService {

    /** RepositoryModelLoad's parameter naming the version to pin. */
    static final String VERSION_PARAMETER = ModelRepository.VERSION_PARAMETER;
    private static final String SHARED_MEMORY = "shared memory is not offered; send tensors in the request "
            + "(raw_input_contents)";
    /** Sent by tritonclient's unload_model; nothing depends on our models, so it changes nothing. */
    static final String UNLOAD_DEPENDENTS = ModelRepository.UNLOAD_DEPENDENTS;

    @Inject
    ModelRepository repository;

    @Inject
    RepositoryControlGate gate;

    @Inject
    InferenceRequests inference;

    @Inject
    InferenceServer server;

    @Inject
    ModelDescriptions descriptions;

    @Override
    public Uni<ServerLiveResponse> serverLive(ServerLiveRequest request) {
        return Uni.createFrom().item(ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public Uni<ServerReadyResponse> serverReady(ServerReadyRequest request) {
        return Uni.createFrom().item(() -> ServerReadyResponse.newBuilder().setReady(repository.ready()).build());
    }

    @Override
    public Uni<ModelReadyResponse> modelReady(ModelReadyRequest request) {
        return Uni.createFrom().item(() -> ModelReadyResponse.newBuilder()
                .setReady(repository.ready(request.getName(), request.getVersion())).build());
    }

    @Override
    public Uni<ServerMetadataResponse> serverMetadata(ServerMetadataRequest request) {
        return Uni.createFrom().item(ServerMetadataResponse.newBuilder().setName(InferenceServer.SERVER_NAME)
                .setVersion(server.version()).addAllExtensions(InferenceServer.EXTENSIONS).build());
    }

    @Override
    public Uni<ModelMetadataResponse> modelMetadata(ModelMetadataRequest request) {
        return Uni.createFrom().item(() -> {
            ModelSlot slot = repository.require(request.getName(), request.getVersion(), "name");
            return slot.live().use(model -> ModelMetadataResponse.newBuilder().setName(slot.name())
                    .addVersions(model.manifest().version()) // the champion first, then the challenger
                    .addAllVersions(slot.challenger().map(ModelSlot.Challenger::version).stream().toList())
                    .setPlatform(model.form().platform())
                    .addInputs(tensor(InferenceServer.INPUT)).addInputs(tensor(InferenceServer.ENCODED_INPUT))
                    .addOutputs(tensor(InferenceServer.OUTPUT)).build());
        });
    }

    private static TensorMetadata tensor(InferenceServer.Tensor tensor) {
        return TensorMetadata.newBuilder().setName(tensor.name()).setDatatype(tensor.datatype())
                .addAllShape(tensor.shape()).build();
    }

    /** Answered under the call's request id: the response header fmnist-request-id and parameter fmnist_request_id. */
    @Override
    public Uni<ModelInferResponse> modelInfer(ModelInferRequest request) {
        return inference.infer(request, RequestIds.current(), InferenceRequests.API_GRPC);
    }

    /**
     * One response per request, in order, each under its own request id (its parameter
     * fmnist_request_id); a refused request answers with its error and the stream goes on.
     */
    @Override
    public Multi<ModelStreamInferResponse> modelStreamInfer(Multi<ModelInferRequest> requests) {
        return requests.onItem().transformToUniAndConcatenate(request -> inference.infer(request,
                PredictionIds.newRequestId(), InferenceRequests.API_GRPC)
                .map(response -> ModelStreamInferResponse.newBuilder().setInferResponse(response).build())
                .onFailure().recoverWithItem(failure -> ModelStreamInferResponse.newBuilder()
                        .setErrorMessage(describe(failure)).setInferResponse(ModelInferResponse.newBuilder()
                                .setModelName(request.getModelName()).setModelVersion(request.getModelVersion())
                                .setId(request.getId()))
                        .build()));
    }

    @Override
    public Uni<ModelConfigResponse> modelConfig(ModelConfigRequest request) {
        return Uni.createFrom().item(() -> ModelConfigResponse.newBuilder()
                .setConfig(descriptions.config(request.getName(), request.getVersion(), "name")).build());
    }

    @Override
    public Uni<ModelStatisticsResponse> modelStatistics(ModelStatisticsRequest request) {
        return Uni.createFrom().item(() -> descriptions.statistics(request.getName(), request.getVersion(), "name"));
    }

    @Override
    public Uni<RepositoryIndexResponse> repositoryIndex(RepositoryIndexRequest request) {
        return Uni.createFrom().item(() -> {
            RepositoryIndexResponse.Builder response = RepositoryIndexResponse.newBuilder();
            for (ModelRepository.IndexEntry entry : repository.index(request.getReady())) {
                response.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(entry.name())
                        .setVersion(entry.version()).setState(entry.state()).setReason(entry.reason()));
            }
            return response.build();
        });
    }

    /**
     * Pins the model to the {@value #VERSION_PARAMETER} parameter's version, or without it follows the
     * newest again; on a worker thread, since it waits for the model-control topic.
     */
    @Override
    public Uni<RepositoryModelLoadResponse> repositoryModelLoad(RepositoryModelLoadRequest request) {
        return Uni.createFrom().item(() -> {
            gate.check("RepositoryModelLoad");
            repository.load(request.getModelName(), "model_name", request.getParametersMap(), "RepositoryModelLoad");
            return RepositoryModelLoadResponse.getDefaultInstance();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Drops the model's pin: it follows the newest artefact again. */
    @Override
    public Uni<RepositoryModelUnloadResponse> repositoryModelUnload(RepositoryModelUnloadRequest request) {
        return Uni.createFrom().item(() -> {
            gate.check("RepositoryModelUnload");
            repository.unload(request.getModelName(), "model_name", request.getParametersMap(), "RepositoryModelUnload");
            return RepositoryModelUnloadResponse.getDefaultInstance();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    @Override
    public Uni<SystemSharedMemoryStatusResponse> systemSharedMemoryStatus(SystemSharedMemoryStatusRequest request) {
        return notOffered("SystemSharedMemoryStatus", SHARED_MEMORY);
    }

    @Override
    public Uni<SystemSharedMemoryRegisterResponse> systemSharedMemoryRegister(SystemSharedMemoryRegisterRequest request) {
        return notOffered("SystemSharedMemoryRegister", SHARED_MEMORY);
    }

    @Override
    public Uni<SystemSharedMemoryUnregisterResponse> systemSharedMemoryUnregister(
            SystemSharedMemoryUnregisterRequest request) {
        return notOffered("SystemSharedMemoryUnregister", SHARED_MEMORY);
    }

    @Override
    public Uni<CudaSharedMemoryStatusResponse> cudaSharedMemoryStatus(CudaSharedMemoryStatusRequest request) {
        return notOffered("CudaSharedMemoryStatus", SHARED_MEMORY);
    }

    @Override
    public Uni<CudaSharedMemoryRegisterResponse> cudaSharedMemoryRegister(CudaSharedMemoryRegisterRequest request) {
        return notOffered("CudaSharedMemoryRegister", SHARED_MEMORY);
    }

    @Override
    public Uni<CudaSharedMemoryUnregisterResponse> cudaSharedMemoryUnregister(CudaSharedMemoryUnregisterRequest request) {
        return notOffered("CudaSharedMemoryUnregister", SHARED_MEMORY);
    }

    @Override
    public Uni<TraceSettingResponse> traceSetting(TraceSettingRequest request) {
        return notOffered("TraceSetting", "request tracing is not offered; latency is in the Prometheus metrics");
    }

    @Override
    public Uni<LogSettingsResponse> logSettings(LogSettingsRequest request) {
        return notOffered("LogSettings", "log settings cannot change at run time; set quarkus.log.* at start");
    }

    private static <T> Uni<T> notOffered(String rpc, String why) {
        return Uni.createFrom().failure(Status.UNIMPLEMENTED.withDescription(rpc + ": not implemented by "
                + InferenceServer.SERVER_NAME + ": " + why).asRuntimeException());
    }

    /** A refusal as one line: its status and description. */
    static String describe(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        return status.getCode().name() + ": " + InferenceRequests.message(status, failure);
    }
}
