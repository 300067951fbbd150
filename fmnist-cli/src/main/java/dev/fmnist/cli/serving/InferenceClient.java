package dev.fmnist.cli.serving;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Conversion;
import dev.fmnist.proto.v1.FeedbackRequest;
import dev.fmnist.proto.v1.FeedbackResponse;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/** fmnist.v1.Classifier over one channel; gRPC failures become one-line CLI errors. */
public final class InferenceClient implements AutoCloseable {

    /** Images per ClassifyBatch: well under the service's limit and its inbound message size. */
    public static final int BATCH = 500;
    /**
     * Encoded bytes per ClassifyBatch: half the service's 32 MiB inbound message limit, so a folder of
     * phone photos goes in several calls instead of one refused message. A single larger image goes alone.
     */
    public static final int BATCH_BYTES = 16 * 1024 * 1024;

    private final GrpcOptions options;
    private final ManagedChannel channel;
    private final ClassifierGrpc.ClassifierBlockingStub stub;

    public InferenceClient(GrpcOptions options) {
        this.options = options;
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(options.target);
        if (options.tls || options.caCert != null) {
            try {
                builder.sslContext(options.caCert == null ? GrpcSslContexts.forClient().build()
                        : GrpcSslContexts.forClient().trustManager(options.caCert.toFile()).build());
            } catch (SSLException | IllegalArgumentException e) {
                throw new CliException(ExitCode.USAGE, "--ca-cert " + options.caCert + ": not a usable PEM certificate ("
                        + e.getMessage() + ")", e);
            }
        } else {
            builder.usePlaintext();
        }
        channel = builder.maxInboundMessageSize(32 * 1024 * 1024).build();
        stub = ClassifierGrpc.newBlockingStub(channel);
    }

    /** The first model the server lists. */
    public ModelInfo model() {
        return model("");
    }

    /** The served model {@code name} (empty: the first the server lists). */
    public ModelInfo model(String name) {
        return call(() -> stub.withDeadlineAfter(options.timeoutSeconds, TimeUnit.SECONDS)
                .getModel(GetModelRequest.newBuilder().setModel(name).build()));
    }

    /** Whether the server serves the model {@code name}: its answer, or empty when it does not know the name. */
    public Optional<ModelInfo> modelIfServed(String name) {
        try {
            return Optional.of(stub.withDeadlineAfter(options.timeoutSeconds, TimeUnit.SECONDS)
                    .getModel(GetModelRequest.newBuilder().setModel(name).build()));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return Optional.empty();
            }
            throw failure(e);
        }
    }

    /**
     * What every ClassifyBatch of one {@link #classify(List, Request)} asks, as {@code fmnist.v1.ClassifyBatchRequest}
     * says: the served model (empty: the first listed), how encoded images become the model's input, and whether the
     * answers explain it; and how many images one call carries at most (1 to {@link #BATCH}).
     */
    public record Request(String model, boolean resize, Conversion conversion, boolean explain, int imagesPerCall) {

        public Request {
            model = model == null ? "" : model;
            conversion = conversion == null ? Conversion.CONVERSION_AUTO : conversion;
            if (imagesPerCall < 1 || imagesPerCall > BATCH) {
                throw new IllegalArgumentException("imagesPerCall: expected 1 to " + BATCH + ", got " + imagesPerCall);
            }
        }
    }

    /** Classifies any number of images with the first model served, {@link #BATCH} per call, answers in order. */
    public List<ClassifyResponse> classify(List<Image> images, boolean resize) {
        return classify(images, new Request("", resize, Conversion.CONVERSION_AUTO, false, BATCH));
    }

    /**
     * Classifies any number of images as {@code how} asks, at most {@code how.imagesPerCall()} images and
     * {@link #BATCH_BYTES} bytes per call, answers in order.
     */
    public List<ClassifyResponse> classify(List<Image> images, Request how) {
        List<ClassifyResponse> answers = new ArrayList<>(images.size());
        int from = 0;
        while (from < images.size()) {
            int to = from;
            long bytes = 0;
            while (to < images.size() && to - from < how.imagesPerCall()
                    && (to == from || bytes + images.get(to).getSerializedSize() <= BATCH_BYTES)) {
                bytes += images.get(to++).getSerializedSize();
            }
            ClassifyBatchRequest request = ClassifyBatchRequest.newBuilder().setModel(how.model())
                    .addAllImages(images.subList(from, to)).setResize(how.resize())
                    .setConversion(how.conversion()).setExplain(how.explain()).build();
            answers.addAll(call(() -> stub.withDeadlineAfter(options.timeoutSeconds, TimeUnit.SECONDS)
                    .classifyBatch(request)).getResultsList());
            from = to;
        }
        return answers;
    }

    /**
     * Records {@code label} (an index or a class name) for the image {@code predictionId} names, from {@code source}
     * ("client" or "reviewer"; empty: client) and {@code by} (empty: nobody named): the server's answer once the
     * feedback topic has it.
     */
    public FeedbackResponse feedback(String predictionId, String label, String source, String by) {
        FeedbackRequest request = FeedbackRequest.newBuilder().setPredictionId(predictionId).setLabel(label)
                .setSource(source == null ? "" : source).setBy(by == null ? "" : by).build();
        return call(() -> stub.withDeadlineAfter(options.timeoutSeconds, TimeUnit.SECONDS).feedback(request));
    }

    private <T> T call(Supplier<T> rpc) {
        try {
            return rpc.get();
        } catch (StatusRuntimeException e) {
            throw failure(e);
        }
    }

    /** A refused call as the CLI reports it: the status, its description and the exit code it maps to. */
    private CliException failure(StatusRuntimeException e) {
        Status status = e.getStatus();
        String what = status.getDescription() == null ? status.getCode().toString()
                : status.getCode() + ": " + status.getDescription();
        int code = switch (status.getCode()) {
            case UNAVAILABLE, DEADLINE_EXCEEDED -> ExitCode.UNREACHABLE;
            case INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> ExitCode.USAGE;
            case NOT_FOUND -> ExitCode.NOT_FOUND;
            default -> ExitCode.ERROR;
        };
        String hint = code == ExitCode.UNREACHABLE
                ? "; start it with 'bin/up' or point --target at it (a service with no model yet also answers UNAVAILABLE)"
                : "";
        return new CliException(code, "inference service at " + options.target + ": " + what + hint, e);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
