package dev.fmnist.inference.serving;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.messaging.ModelControlTopic;
import dev.fmnist.proto.inference.CudaSharedMemoryRegisterRequest;
import dev.fmnist.proto.inference.CudaSharedMemoryRegisterResponse;
import dev.fmnist.proto.inference.CudaSharedMemoryStatusRequest;
import dev.fmnist.proto.inference.CudaSharedMemoryStatusResponse;
import dev.fmnist.proto.inference.CudaSharedMemoryUnregisterRequest;
import dev.fmnist.proto.inference.CudaSharedMemoryUnregisterResponse;
import dev.fmnist.proto.inference.DataType;
import dev.fmnist.proto.inference.GRPCInferenceService;
import dev.fmnist.proto.inference.LogSettingsRequest;
import dev.fmnist.proto.inference.LogSettingsResponse;
import dev.fmnist.proto.inference.ModelConfig;
import dev.fmnist.proto.inference.ModelConfigRequest;
import dev.fmnist.proto.inference.ModelConfigResponse;
import dev.fmnist.proto.inference.ModelDynamicBatching;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelInput;
import dev.fmnist.proto.inference.ModelInstanceGroup;
import dev.fmnist.proto.inference.ModelMetadataRequest;
import dev.fmnist.proto.inference.ModelMetadataResponse.TensorMetadata;
import dev.fmnist.proto.inference.ModelMetadataResponse;
import dev.fmnist.proto.inference.ModelOutput;
import dev.fmnist.proto.inference.ModelParameter;
import dev.fmnist.proto.inference.ModelQueuePolicy;
import dev.fmnist.proto.inference.ModelReadyRequest;
import dev.fmnist.proto.inference.ModelReadyResponse;
import dev.fmnist.proto.inference.ModelRepositoryParameter;
import dev.fmnist.proto.inference.ModelStatisticsRequest;
import dev.fmnist.proto.inference.ModelStatisticsResponse;
import dev.fmnist.proto.inference.ModelStreamInferResponse;
import dev.fmnist.proto.inference.ModelVersionPolicy;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The Open Inference Protocol (KServe v2) with Triton's extensions, for every served model. Inference
 * goes through {@link InferenceRequests}, shared with the KServe REST resource; RepositoryModelLoad and
 * RepositoryModelUnload pin and unpin a model for the whole fleet through the model-control topic.
 */
@GrpcService
public class OpenInferenceService implements GRPCInferenceService {

    /** What ServerMetadata announces: the Triton extensions answered here. */
    public static final List<String> EXTENSIONS = List.of("model_configuration", "model_repository", "statistics",
            "binary_tensor_data");
    public static final String SERVER_NAME = "fmnist-inference";
    public static final String PLATFORM = "pytorch_djl";
    /** RepositoryModelLoad's parameter naming the version to pin. */
    static final String VERSION_PARAMETER = "version";
    private static final String SHARED_MEMORY = "shared memory is not offered; send tensors in the request "
            + "(raw_input_contents)";
    /** Sent by tritonclient's unload_model; nothing depends on our models, so it changes nothing. */
    static final String UNLOAD_DEPENDENTS = "unload_dependents";

    @Inject
    ModelSlots slots;

    @Inject
    InferenceRequests inference;

    @Inject
    InferenceConfig config;

    @Inject
    ModelControlTopic control;

    @Inject
    ServingEngine engine;

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "dev")
    String serverVersion;

    @Override
    public Uni<ServerLiveResponse> serverLive(ServerLiveRequest request) {
        return Uni.createFrom().item(ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public Uni<ServerReadyResponse> serverReady(ServerReadyRequest request) {
        return Uni.createFrom().item(() -> ServerReadyResponse.newBuilder().setReady(slots.allReady()).build());
    }

    @Override
    public Uni<ModelReadyResponse> modelReady(ModelReadyRequest request) {
        return Uni.createFrom().item(() -> {
            boolean ready = slots.find(request.getName()).flatMap(ModelSlot::manifest)
                    .map(m -> request.getVersion().isEmpty() || request.getVersion().equals(m.version())).orElse(false);
            return ModelReadyResponse.newBuilder().setReady(ready).build();
        });
    }

    @Override
    public Uni<ServerMetadataResponse> serverMetadata(ServerMetadataRequest request) {
        return Uni.createFrom().item(ServerMetadataResponse.newBuilder().setName(SERVER_NAME).setVersion(serverVersion)
                .addAllExtensions(EXTENSIONS).build());
    }

    @Override
    public Uni<ModelMetadataResponse> modelMetadata(ModelMetadataRequest request) {
        return Uni.createFrom().item(() -> {
            ModelSlot slot = inference.requireModel(request.getName(), request.getVersion(), "name");
            return slot.live().use(model -> ModelMetadataResponse.newBuilder().setName(slot.name())
                    .addVersions(model.manifest().version()).setPlatform(PLATFORM)
                    .addInputs(TensorMetadata.newBuilder().setName(InferRequestRules.INPUT).setDatatype("FP32")
                            .addAllShape(List.of(-1L, 1L, (long) FashionMnist.IMAGE_SIDE, (long) FashionMnist.IMAGE_SIDE)))
                    .addOutputs(TensorMetadata.newBuilder().setName(InferRequestRules.OUTPUT).setDatatype("FP32")
                            .addAllShape(List.of(-1L, (long) FashionMnist.CLASSES)))
                    .build());
        });
    }

    @Override
    public Uni<ModelInferResponse> modelInfer(ModelInferRequest request) {
        return inference.infer(request);
    }

    /** One response per request, in order; a refused request answers with its error and the stream goes on. */
    @Override
    public Multi<ModelStreamInferResponse> modelStreamInfer(Multi<ModelInferRequest> requests) {
        return requests.onItem().transformToUniAndConcatenate(request -> inference.infer(request)
                .map(response -> ModelStreamInferResponse.newBuilder().setInferResponse(response).build())
                .onFailure().recoverWithItem(failure -> ModelStreamInferResponse.newBuilder()
                        .setErrorMessage(describe(failure)).setInferResponse(ModelInferResponse.newBuilder()
                                .setModelName(request.getModelName()).setModelVersion(request.getModelVersion())
                                .setId(request.getId()))
                        .build()));
    }

    @Override
    public Uni<ModelConfigResponse> modelConfig(ModelConfigRequest request) {
        return Uni.createFrom().item(() -> {
            ModelSlot slot = inference.requireModel(request.getName(), request.getVersion(), "name");
            return ModelConfigResponse.newBuilder().setConfig(config(slot)).build();
        });
    }

    /** The model as Triton would describe it: what is accepted, and the batcher's real settings. */
    private ModelConfig config(ModelSlot slot) {
        DynamicBatcher batcher = slot.batcher();
        boolean gpu = engine.device().startsWith("gpu");
        ModelConfig.Builder config = ModelConfig.newBuilder().setName(slot.name()).setPlatform(PLATFORM)
                .setBackend("djl").setMaxBatchSize(this.config.serving().maxBatch())
                .setVersionPolicy(ModelVersionPolicy.newBuilder().setLatest(ModelVersionPolicy.Latest.newBuilder()
                        .setNumVersions(1)))
                .addInput(ModelInput.newBuilder().setName(InferRequestRules.INPUT).setDataType(DataType.TYPE_FP32)
                        .setFormat(ModelInput.Format.FORMAT_NCHW)
                        .addAllDims(List.of(1L, (long) FashionMnist.IMAGE_SIDE, (long) FashionMnist.IMAGE_SIDE)))
                .addOutput(ModelOutput.newBuilder().setName(InferRequestRules.OUTPUT).setDataType(DataType.TYPE_FP32)
                        .addDims(FashionMnist.CLASSES))
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setName(slot.name()).setCount(batcher.workers())
                        .setKind(gpu ? ModelInstanceGroup.Kind.KIND_GPU : ModelInstanceGroup.Kind.KIND_CPU))
                .setDynamicBatching(ModelDynamicBatching.newBuilder().addPreferredBatchSize(batcher.maxBatch())
                        .setMaxQueueDelayMicroseconds(batcher.maxDelayMicros()).setPreserveOrdering(true)
                        .setDefaultQueuePolicy(ModelQueuePolicy.newBuilder().setMaxQueueSize(batcher.queueCapacity())))
                .putParameters("also_accepted", parameter("UINT8 pixels 0..255; shape [N, 784]"))
                .putParameters("device", parameter(engine.device()))
                .putParameters("architecture", parameter(slot.artefactKey()));
        slot.manifest().ifPresent(m -> config.putParameters("live_version", parameter(m.version())));
        slot.pinned().ifPresent(p -> config.putParameters("pinned_version", parameter(p)));
        return config.build();
    }

    private static ModelParameter parameter(String value) {
        return ModelParameter.newBuilder().setStringValue(value).build();
    }

    @Override
    public Uni<ModelStatisticsResponse> modelStatistics(ModelStatisticsRequest request) {
        return Uni.createFrom().item(() -> {
            ModelStatisticsResponse.Builder response = ModelStatisticsResponse.newBuilder();
            if (request.getName().isEmpty()) {
                if (!request.getVersion().isEmpty()) {
                    throw InferenceRequests.invalid("version: given without a model name");
                }
                slots.all().forEach(slot -> response.addAllModelStats(slot.stats().report("")));
            } else {
                ModelSlot slot = slots.require(request.getName(), "name");
                response.addAllModelStats(slot.stats().report(request.getVersion()));
            }
            return response.build();
        });
    }

    @Override
    public Uni<RepositoryIndexResponse> repositoryIndex(RepositoryIndexRequest request) {
        return Uni.createFrom().item(() -> {
            RepositoryIndexResponse.Builder response = RepositoryIndexResponse.newBuilder();
            for (ModelSlot slot : slots.all()) {
                if (request.getReady() && !slot.ready()) {
                    continue;
                }
                String reason = slot.problem().orElse(slot.ready() ? slot.pinned().map(p -> "pinned to " + p)
                        .orElse("newest artefact") : "no artefact loaded yet");
                response.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(slot.name())
                        .setVersion(slot.manifest().map(m -> m.version()).orElse(""))
                        .setState(slot.ready() ? "READY" : "UNAVAILABLE").setReason(reason));
            }
            return response.build();
        });
    }

    /** Pins the model to the {@value #VERSION_PARAMETER} parameter's version, or without it follows the newest again. */
    @Override
    public Uni<RepositoryModelLoadResponse> repositoryModelLoad(RepositoryModelLoadRequest request) {
        return Uni.createFrom().item(() -> {
            ModelSlot slot = inference.requireModel(request.getModelName(), "", "model_name");
            requireOnly(request.getParametersMap(), Set.of(VERSION_PARAMETER));
            Optional<String> version = Optional.ofNullable(request.getParametersMap().get(VERSION_PARAMETER))
                    .map(p -> {
                        if (p.getParameterChoiceCase() != ModelRepositoryParameter.ParameterChoiceCase.STRING_PARAM) {
                            throw InferenceRequests.invalid("parameters." + VERSION_PARAMETER + ": expected a string");
                        }
                        return p.getStringParam();
                    });
            version.ifPresent(v -> {
                if (slot.published().find(v).isEmpty()) {
                    throw InferenceRequests.notFound("parameters." + VERSION_PARAMETER + ": '" + v
                            + "' is not among the artefacts published for " + slot.name() + " (newest first: "
                            + String.join(", ", slot.published().newestFirst().stream().limit(5)
                                    .map(PublishedVersions.Entry::version).toList()) + ")");
                }
            });
            apply(slot, version.map(v -> ModelControl.pin(slot.name(), v, "RepositoryModelLoad"))
                    .orElseGet(() -> ModelControl.followNewest(slot.name(), "RepositoryModelLoad")));
            return RepositoryModelLoadResponse.getDefaultInstance();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Drops the model's pin: it follows the newest artefact again. */
    @Override
    public Uni<RepositoryModelUnloadResponse> repositoryModelUnload(RepositoryModelUnloadRequest request) {
        return Uni.createFrom().item(() -> {
            ModelSlot slot = inference.requireModel(request.getModelName(), "", "model_name");
            requireOnly(request.getParametersMap(), Set.of(UNLOAD_DEPENDENTS));
            apply(slot, ModelControl.followNewest(slot.name(), "RepositoryModelUnload"));
            return RepositoryModelUnloadResponse.getDefaultInstance();
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** Writes {@code change} for the fleet, waits until this replica applied it, and says if it could not be served. */
    private void apply(ModelSlot slot, ModelControl change) {
        long offset;
        try {
            offset = control.write(change);
        } catch (IllegalStateException e) {
            throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        }
        Duration timeout = Duration.ofSeconds(config.serving().controlTimeoutSeconds());
        try {
            if (!control.awaitApplied(offset, timeout)) {
                throw Status.DEADLINE_EXCEEDED.withDescription("written to the model-control topic, not applied here "
                        + "within " + timeout.toSeconds() + " s; replicas apply it as they read it").asRuntimeException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
        slot.problem().ifPresent(problem -> {
            throw Status.FAILED_PRECONDITION.withDescription(slot.name() + ": " + problem).asRuntimeException();
        });
    }

    private static void requireOnly(Map<String, ModelRepositoryParameter> parameters, Set<String> accepted) {
        for (String name : parameters.keySet()) {
            if (!accepted.contains(name)) {
                throw InferenceRequests.invalid("parameters." + name + ": not supported (accepted: "
                        + String.join(", ", accepted) + ")");
            }
        }
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
                + SERVER_NAME + ": " + why).asRuntimeException());
    }

    /** A refusal as one line: its status and description. */
    static String describe(Throwable failure) {
        Status status = Status.fromThrowable(failure);
        return status.getCode().name() + ": " + InferenceRequests.message(status, failure);
    }
}
