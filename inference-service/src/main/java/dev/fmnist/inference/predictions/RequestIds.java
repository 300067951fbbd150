package dev.fmnist.inference.predictions;

import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.v1.ClassifierGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * The server-made request id of a unary gRPC call that answers images (Classify, ClassifyBatch,
 * ModelInfer): made when the call starts, available to the service as {@link #current()}, and sent
 * back as the response header {@value #HEADER_NAME}, so a client can quote it whatever the answer's
 * shape. A streaming call answers many requests, each with its own id in its answer (a header comes
 * once per call), so it gets none here.
 */
@GlobalInterceptor
@ApplicationScoped
public class RequestIds implements ServerInterceptor {

    /** The gRPC response header that carries the request id. */
    public static final String HEADER_NAME = "fmnist-request-id";
    /** The REST response header that carries it. */
    public static final String HTTP_HEADER = "X-Request-Id";
    static final Metadata.Key<String> HEADER = Metadata.Key.of(HEADER_NAME, Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CURRENT = Context.key(HEADER_NAME);
    private static final Set<String> UNARY_ANSWERS = Set.of(ClassifierGrpc.getClassifyMethod().getFullMethodName(),
            ClassifierGrpc.getClassifyBatchMethod().getFullMethodName(),
            GRPCInferenceServiceGrpc.getModelInferMethod().getFullMethodName());

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
            ServerCallHandler<Q, A> next) {
        if (!UNARY_ANSWERS.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        String requestId = PredictionIds.newRequestId();
        ServerCall<Q, A> withHeader = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void sendHeaders(Metadata responseHeaders) {
                responseHeaders.put(HEADER, requestId);
                super.sendHeaders(responseHeaders);
            }
        };
        return Contexts.interceptCall(Context.current().withValue(CURRENT, requestId), withHeader, headers, next);
    }

    /** The id of the unary call being served on this thread; a new one anywhere else (a stream's message, REST). */
    public static String current() {
        String id = CURRENT.get();
        return id != null ? id : PredictionIds.newRequestId();
    }
}
