package dev.fmnist.inference.metrics;

import io.grpc.Metadata;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.api.ServerBuilderCustomizer;
import io.quarkus.grpc.runtime.config.GrpcServerConfiguration;
import io.vertx.grpc.VertxServerBuilder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counts every gRPC call under the status its client received, from the transport's own stream
 * tracer: calls the transport refuses before any service code runs (a message over the size limit is
 * RESOURCE_EXHAUSTED at the client) are counted as what they were, where the interceptor-based
 * {@code grpc_server_processing_duration_seconds} can only see them as CANCELLED. Quarkus builds its
 * gRPC server (a separate server, the default) with Vert.x's builder, which takes stream tracers.
 */
@ApplicationScoped
public class GrpcCallCounter implements ServerBuilderCustomizer<VertxServerBuilder> {

    static final String CALLS = "fmnist.inference.grpc.calls";

    @Inject
    MeterRegistry registry;

    /** One counter per method and code, looked up once: this runs on every call. */
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();

    private Counter counter(String method, Status.Code code) {
        return counters.computeIfAbsent(method + " " + code.name(), key -> Counter.builder(CALLS)
                .description("gRPC calls by method and the status the client received")
                .tag("method", method).tag("code", code.name()).register(registry));
    }

    @Override
    public void customize(GrpcServerConfiguration config, VertxServerBuilder builder) {
        builder.addStreamTracerFactory(new ServerStreamTracer.Factory() {
            @Override
            public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
                return new ServerStreamTracer() {
                    @Override
                    public void streamClosed(Status status) {
                        counter(fullMethodName, status.getCode()).increment();
                    }
                };
            }
        });
    }
}
