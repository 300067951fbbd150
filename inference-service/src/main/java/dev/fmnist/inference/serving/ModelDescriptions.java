package dev.fmnist.inference.serving;

import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.proto.inference.DataType;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.proto.inference.ModelConfig;
import dev.fmnist.proto.inference.ModelDynamicBatching;
import dev.fmnist.proto.inference.ModelInput;
import dev.fmnist.proto.inference.ModelInstanceGroup;
import dev.fmnist.proto.inference.ModelOutput;
import dev.fmnist.proto.inference.ModelParameter;
import dev.fmnist.proto.inference.ModelQueuePolicy;
import dev.fmnist.proto.inference.ModelStatisticsResponse;
import dev.fmnist.proto.inference.ModelVersionPolicy;
import dev.fmnist.proto.v1.ModelInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What Triton's model-configuration and statistics extensions report about the served models, built
 * once as Triton's messages: the gRPC front end sends them as they are, the REST one as their JSON.
 * Refusals are gRPC statuses naming the field, as the {@link ModelRepository}'s.
 */
@ApplicationScoped
public class ModelDescriptions {

    @Inject
    ModelRepository repository;

    @Inject
    InferenceConfig config;

    @Inject
    ServingEngine engine;

    /**
     * The configuration of the served model {@code name} ({@code field} says where the name came),
     * whose live version is {@code version} unless that is empty.
     */
    public ModelConfig config(String name, String version, String field) {
        return config(repository.require(name, version, field));
    }

    /** The model as Triton would describe it: what is accepted, and the batcher's real settings. */
    private ModelConfig config(ModelSlot slot) {
        DynamicBatcher batcher = slot.batcher();
        boolean gpu = engine.device().startsWith("gpu");
        // the live model's form: the configured one, or the block when its export did not match
        ForwardForm form = slot.form().orElse(engine.form(slot.name()));
        ModelConfig.Builder model = ModelConfig.newBuilder().setName(slot.name()).setPlatform(form.platform())
                .setBackend(form.backend()).setMaxBatchSize(config.serving().maxBatch())
                .setVersionPolicy(ModelVersionPolicy.newBuilder().setLatest(ModelVersionPolicy.Latest.newBuilder()
                        .setNumVersions(1)))
                .addInput(ModelInput.newBuilder().setName(InferenceServer.INPUT.name()).setDataType(DataType.TYPE_FP32)
                        .setFormat(ModelInput.Format.FORMAT_NCHW).addAllDims(InferenceServer.INPUT.dims()))
                // Triton's type for BYTES is TYPE_STRING; optional: a request sends this or the pixels
                .addInput(ModelInput.newBuilder().setName(InferenceServer.ENCODED_INPUT.name())
                        .setDataType(DataType.TYPE_STRING).addAllDims(InferenceServer.ENCODED_INPUT.dims())
                        .setOptional(true))
                .addOutput(ModelOutput.newBuilder().setName(InferenceServer.OUTPUT.name()).setDataType(DataType.TYPE_FP32)
                        .addAllDims(InferenceServer.OUTPUT.dims()))
                .addInstanceGroup(ModelInstanceGroup.newBuilder().setName(slot.name()).setCount(batcher.workers())
                        .setKind(gpu ? ModelInstanceGroup.Kind.KIND_GPU : ModelInstanceGroup.Kind.KIND_CPU))
                .setDynamicBatching(ModelDynamicBatching.newBuilder().addPreferredBatchSize(batcher.maxBatch())
                        .setMaxQueueDelayMicroseconds(batcher.maxDelayMicros()).setPreserveOrdering(true)
                        .setDefaultQueuePolicy(ModelQueuePolicy.newBuilder().setMaxQueueSize(batcher.queueCapacity())))
                .putParameters("also_accepted", parameter("UINT8 pixels 0..255; shape [N, 784]; "
                        + InferenceServer.ENCODED_INPUT.name() + " of shape [N]"))
                .putParameters("device", parameter(engine.device()))
                .putParameters("forward", parameter(form.wire()))
                .putParameters("architecture", parameter(slot.artefactKey()));
        slot.manifest().ifPresent(m -> model.putParameters("live_version", parameter(m.version()))
                .putParameters("test_time_flip", parameter(String.valueOf(m.testTimeFlip()))));
        slot.pinned().ifPresent(p -> model.putParameters("pinned_version", parameter(p)));
        return model.putAllParameters(challengerParameters(slot)).build();
    }

    /**
     * The challenger part of {@code slot}'s Triton {@code ModelConfig}: its version, mode, share and
     * whether it answers with test-time flips (its own recipe's, not the champion's); none without one.
     */
    public static Map<String, ModelParameter> challengerParameters(ModelSlot slot) {
        return slot.challenger().map(c -> {
            Map<String, ModelParameter> parameters = new LinkedHashMap<>();
            parameters.put("challenger_version", parameter(c.version()));
            parameters.put("challenger_mode", parameter(c.mode().wire()));
            parameters.put("challenger_share", parameter(String.valueOf(c.share())));
            c.manifest().ifPresent(m -> parameters.put("challenger_test_time_flip",
                    parameter(String.valueOf(m.testTimeFlip()))));
            return parameters;
        }).orElse(Map.of());
    }

    /**
     * The challenger part of {@code slot}'s {@code fmnist.v1.ModelInfo} (GetModel): its version, mode
     * and share, all unset when it has none; merged into the rest of the answer.
     */
    public static ModelInfo challengerInfo(ModelSlot slot) {
        return slot.challenger().map(c -> ModelInfo.newBuilder().setChallenger(c.version())
                .setChallengerMode(c.mode().wire()).setChallengerShare(c.share()).build())
                .orElse(ModelInfo.getDefaultInstance());
    }

    private static ModelParameter parameter(String value) {
        return ModelParameter.newBuilder().setStringValue(value).build();
    }

    /**
     * The cumulative statistics of {@code name}'s {@code version} (every version kept when empty), or of
     * every served model when {@code name} is empty; {@code field} names where the name came from.
     */
    public ModelStatisticsResponse statistics(String name, String version, String field) {
        ModelStatisticsResponse.Builder response = ModelStatisticsResponse.newBuilder();
        if (name.isEmpty()) {
            if (!version.isEmpty()) {
                throw InferenceRequests.invalid("version: given without a model name");
            }
            repository.all().forEach(slot -> response.addAllModelStats(slot.stats().report("")));
        } else {
            ModelSlot slot = repository.require(name, field);
            response.addAllModelStats(slot.stats().report(version));
        }
        return response.build();
    }
}
