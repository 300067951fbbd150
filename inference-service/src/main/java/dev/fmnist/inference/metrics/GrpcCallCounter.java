package dev.fmnist.inference.metrics;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.grpc.VertxServerBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * Counts every gRPC call under the status its client received, from the transport's own stream
 * tracer: calls the transport refuses before any service code runs (a message over the size limit is
 * RESOURCE_EXHAUSTED at the client) are counted as what they were, where the interceptor-based
 * {@code grpc_server_processing_duration_seconds} can only see them as CANCELLED. Quarkus builds its
 * gRPC server (a separate server, the default) with Vert.x's builder, which takes stream tracers.
 */
@ApplicationScoped
public class GrpcCallCounter implements ServerBuilderCustomizer<VertxServerBuilder> {

    @Inject
    ServingMetrics metrics;

    @Override
    public void customize(GrpcServerConfiguration config, VertxServerBuilder builder) {
        builder.addStreamTracerFactory(new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void streamClosed(Status status) {
                        metrics.grpcCall(fullMethodName, status.getCode());
                    }
                };
            }
        });
    }
}
