package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.InferParameter;
import dev.fmnist.proto.inference.InferTensorContents;
import dev.fmnist.proto.inference.ModelInferRequest.InferInputTensor;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.inference.ModelInferResponse;
import dev.fmnist.proto.inference.ModelMetadataRequest;
import dev.fmnist.proto.inference.ModelReadyRequest;
import dev.fmnist.proto.inference.ServerLiveRequest;
import dev.fmnist.proto.inference.ServerMetadataRequest;
import dev.fmnist.proto.inference.ServerReadyRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Open Inference Protocol with a real gRPC client, as tritonclient would call it. */
@NeedsBroker
@QuarkusTest
@QuarkusTestResource(TestTopicsResource.class)
class OpenInferenceServiceTest {

    private static ModelArtefact artefact;

    @GrpcClient("inference")
    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

    @BeforeAll
    static void publish() throws Exception {
        artefact = TestArtefacts.train(11);
        TestArtefacts.publish(ArtefactCodec.encode(artefact));
    }

    @BeforeEach
    void awaitLive() throws InterruptedException {
        TestArtefacts.awaitLive(v2, artefact.manifest().version());
    }

    private static byte[] uint8(int from, int n) {
        return Arrays.copyOfRange(TestArtefacts.DATA.test().images(), from * FashionMnist.PIXELS,
                (from + n) * FashionMnist.PIXELS);
    }

    private static ModelInferRequest.Builder infer(String datatype, List<Long> shape) {
        return ModelInferRequest.newBuilder().setModelName("mlp").setId("req-1")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype(datatype).addAllShape(shape));
    }

    private static float[] probabilities(ModelInferResponse response) {
        ByteBuffer raw = response.getRawOutputContents(0).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[raw.remaining() / Float.BYTES];
        raw.asFloatBuffer().get(values);
        return values;
    }

    @Test
    void healthAndMetadataDescribeTheLiveModel() {
        assertThat(v2.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(v2.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        assertThat(v2.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName()).isEqualTo("fmnist-inference");
        var metadata = v2.modelMetadata(ModelMetadataRequest.newBuilder().setName("mlp").build());
        assertThat(metadata.getVersionsList()).containsExactly(artefact.manifest().version());
        assertThat(metadata.getInputs(0).getShapeList()).containsExactly(-1L, 1L, 28L, 28L);
        assertThat(metadata.getOutputs(0).getShapeList()).containsExactly(-1L, 10L);
        assertThat(v2.modelReady(ModelReadyRequest.newBuilder().setName("better").build()).getReady()).isFalse();
    }

    @Test
    void rawUint8RawFp32AndTypedContentsGiveTheSameProbabilities() {
        int n = 4;
        byte[] pixels = uint8(0, n);
        ModelInferResponse fromUint8 = v2.modelInfer(infer("UINT8", List.of((long) n, 1L, 28L, 28L))
                .addRawInputContents(ByteString.copyFrom(pixels)).build());
        assertThat(fromUint8.getOutputs(0).getShapeList()).containsExactly((long) n, 10L);
        assertThat(fromUint8.getModelVersion()).isEqualTo(artefact.manifest().version());
        assertThat(fromUint8.getId()).isEqualTo("req-1");

        ByteBuffer fp32 = ByteBuffer.allocate(pixels.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        InferTensorContents.Builder typed = InferTensorContents.newBuilder();
        for (byte b : pixels) {
            fp32.putFloat(Pixels.scale(b));
            typed.addFp32Contents(Pixels.scale(b));
        }
        ModelInferResponse fromFp32 = v2.modelInfer(infer("FP32", List.of((long) n, 784L))
                .addRawInputContents(ByteString.copyFrom(fp32.array())).build());
        ModelInferRequest.Builder typedRequest = infer("FP32", List.of((long) n, 784L));
        typedRequest.getInputsBuilder(0).setContents(typed);
        ModelInferResponse fromTyped = v2.modelInfer(typedRequest.build());

        assertThat(probabilities(fromFp32)).containsExactly(probabilities(fromUint8));
        float[] typedValues = new float[n * 10];
        for (int i = 0; i < typedValues.length; i++) {
            typedValues[i] = fromTyped.getOutputs(0).getContents().getFp32Contents(i);
        }
        assertThat(typedValues).containsExactly(probabilities(fromUint8));
    }

    @Test
    void badRequestsNameTheFieldAndUnsupportedCallsAreUnimplemented() {
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1L, 784L)).setModelName("resnet")
                .addRawInputContents(ByteString.copyFrom(uint8(0, 1))).build()), Status.Code.NOT_FOUND,
                "model_name: unknown model 'resnet'; this server serves mlp");
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1L, 784L)).setModelVersion("000000000000")
                .addRawInputContents(ByteString.copyFrom(uint8(0, 1))).build()), Status.Code.NOT_FOUND,
                "model_version: '000000000000' is not loaded");
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1L, 3L, 28L, 28L))
                .addRawInputContents(ByteString.copyFrom(uint8(0, 3))).build()), Status.Code.INVALID_ARGUMENT,
                "inputs[0].shape: expected [N, 1, 28, 28] or [N, 784], got [1, 3, 28, 28]");
        assertStatus(() -> v2.modelInfer(infer("INT64", List.of(1L, 784L))
                .addRawInputContents(ByteString.copyFrom(uint8(0, 1))).build()), Status.Code.INVALID_ARGUMENT,
                "inputs[0].datatype: expected FP32 or UINT8, got 'INT64'");
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(2L, 784L))
                .addRawInputContents(ByteString.copyFrom(uint8(0, 1))).build()), Status.Code.INVALID_ARGUMENT,
                "raw_input_contents[0]: expected 1568 bytes for the declared shape, got 784");
        ByteBuffer outOfRange = ByteBuffer.allocate(784 * 4).order(ByteOrder.LITTLE_ENDIAN);
        outOfRange.putFloat(0, 7f);
        assertStatus(() -> v2.modelInfer(infer("FP32", List.of(1L, 784L))
                .addRawInputContents(ByteString.copyFrom(outOfRange.array())).build()), Status.Code.INVALID_ARGUMENT,
                "FP32 pixels must be in [0, 1], element 0 is 7.0");
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1001L, 784L))
                .addRawInputContents(ByteString.copyFrom(uint8(0, 1001))).build()), Status.Code.INVALID_ARGUMENT,
                "at most 1000 images per request");

        // a Triton call that this server does not offer, sent as tritonclient would
        MethodDescriptor<byte[], byte[]> sharedMemory = MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName("inference.GRPCInferenceService/SystemSharedMemoryStatus")
                .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
        assertStatus(() -> ClientCalls.blockingUnaryCall(v2.getChannel(), sharedMemory, CallOptions.DEFAULT,
                new byte[0]), Status.Code.UNIMPLEMENTED,
                "SystemSharedMemoryStatus: not implemented by fmnist-inference: shared memory is not offered");
    }

    @Test
    void requestsTritonRefusesAreRefusedNamingTheField() {
        ByteString one = ByteString.copyFrom(uint8(0, 1));
        InferTensorContents.Builder typed = InferTensorContents.newBuilder();
        for (byte b : uint8(0, 1)) {
            typed.addUintContents(b & 0xff);
        }
        // raw and typed contents for the same input
        assertStatus(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("UINT8")
                        .addAllShape(List.of(1L, 784L)).setContents(typed))
                .addRawInputContents(one).build()), Status.Code.INVALID_ARGUMENT,
                "inputs[0].contents: set together with raw_input_contents[0]");
        // two raw buffers for one input
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1L, 784L)).addRawInputContents(one)
                .addRawInputContents(one).build()), Status.Code.INVALID_ARGUMENT,
                "raw_input_contents: expected 1 buffer (one per input), got 2");
        // an input this model does not have
        assertStatus(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("input__0").setDatatype("UINT8")
                        .addAllShape(List.of(1L, 784L))).addRawInputContents(one).build()),
                Status.Code.INVALID_ARGUMENT, "inputs[0].name: unexpected inference input 'input__0'");
        // the same input twice
        InferInputTensor images = InferInputTensor.newBuilder().setName("images").setDatatype("UINT8")
                .addAllShape(List.of(1L, 784L)).build();
        assertStatus(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp").addInputs(images)
                .addInputs(images).addRawInputContents(one).addRawInputContents(one).build()),
                Status.Code.INVALID_ARGUMENT, "inputs[1].name: input 'images' is given more than once");
        // no input at all
        assertStatus(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp").build()),
                Status.Code.INVALID_ARGUMENT, "inputs: expected 1 input tensor, 'images' or 'encoded_images', got none");
        // typed contents of another datatype
        assertStatus(() -> v2.modelInfer(ModelInferRequest.newBuilder().setModelName("mlp")
                .addInputs(InferInputTensor.newBuilder().setName("images").setDatatype("FP32")
                        .addAllShape(List.of(1L, 784L)).setContents(typed)).build()),
                Status.Code.INVALID_ARGUMENT, "inputs[0].contents.uint_contents: does not match datatype FP32");
        // parameters that would change the meaning
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1L, 784L)).addRawInputContents(one)
                .putParameters("sequence_id", InferParameter.newBuilder().setInt64Param(7).build()).build()),
                Status.Code.INVALID_ARGUMENT, "parameters.sequence_id: not supported by this model (accepted: conversion, priority, resize, timeout)");
        // a classification (top k) of no class, of more classes than the model has, or not an integer
        for (InferParameter k : List.of(InferParameter.newBuilder().setInt64Param(0).build(),
                InferParameter.newBuilder().setInt64Param(11).build(),
                InferParameter.newBuilder().setStringParam("3").build())) {
            assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1L, 784L)).addRawInputContents(one)
                    .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("probabilities")
                            .putParameters("classification", k))
                    .build()), Status.Code.INVALID_ARGUMENT,
                    "outputs[0].parameters.classification: expected an integer from 1 to 10 (the classes to return)");
        }
        // the same output twice
        ModelInferRequest.InferRequestedOutputTensor probabilities = ModelInferRequest.InferRequestedOutputTensor
                .newBuilder().setName("probabilities").build();
        assertStatus(() -> v2.modelInfer(infer("UINT8", List.of(1L, 784L)).addRawInputContents(one)
                .addOutputs(probabilities).addOutputs(probabilities).build()), Status.Code.INVALID_ARGUMENT,
                "outputs[1].name: output 'probabilities' is requested more than once");
        // scheduling hints are accepted and change nothing
        assertThat(v2.modelInfer(infer("UINT8", List.of(1L, 784L)).addRawInputContents(one)
                .putParameters("priority", InferParameter.newBuilder().setInt64Param(1).build()).build())
                .getOutputs(0).getShapeList()).containsExactly(1L, 10L);
    }

    private static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static void assertStatus(Runnable call, Status.Code code, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
            assertThat(e.getStatus().getDescription()).contains(message);
        });
    }
}
