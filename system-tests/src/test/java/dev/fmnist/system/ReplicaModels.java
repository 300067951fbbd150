package dev.fmnist.system;

import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.GetModelRequest;
import dev.fmnist.proto.v1.ModelInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** What an inference replica says it serves, asked over gRPC (GetModel) as a client asks it. */
final class ReplicaModels {

    private ReplicaModels() {}

    /**
     * Waits until the replica on {@code port} reports {@code model} as {@code wanted} says, asking
     * again every 250 ms for at most {@code waitMs}; returns what it reported then.
     */
    static ModelInfo await(int port, String model, long waitMs, Predicate<ModelInfo> wanted) throws InterruptedException {
        ManagedChannel channel = ManagedChannelBuilder.forTarget("127.0.0.1:" + port).usePlaintext().build();
        try {
            ClassifierGrpc.ClassifierBlockingStub stub = ClassifierGrpc.newBlockingStub(channel);
            long deadline = System.currentTimeMillis() + waitMs;
            ModelInfo last = null;
            while (System.currentTimeMillis() < deadline) {
                try {
                    last = stub.withDeadlineAfter(5, TimeUnit.SECONDS).getModel(GetModelRequest.newBuilder()
                            .setModel(model).build());
                    if (wanted.test(last)) {
                        return last;
                    }
                } catch (StatusRuntimeException e) {
                    // starting, or no version yet
                }
                Thread.sleep(250);
            }
            throw new AssertionError("replica :" + port + " never reported " + model + " as wanted; last: " + last);
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
