package dev.fmnist.inference.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * Quarkus times every gRPC call ({@code grpc.server.processing.duration}, by service, method and
 * status code) as a plain summary; this adds histogram buckets, so dashboards and alerts can take
 * p50/p95/p99 across replicas with {@code histogram_quantile}.
 */
@Singleton
public class GrpcLatencyHistograms {

    static final String GRPC_SERVER_DURATION = "grpc.server.processing.duration";
    /** Bucket range: from 100 us (below one forward pass) to a request that waited through a full queue. */
    private static final Duration FASTEST = Duration.ofNanos(100_000);
    private static final Duration SLOWEST = Duration.ofSeconds(10);

    @Produces
    @Singleton
    MeterFilter grpcLatencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals(GRPC_SERVER_DURATION)) {
                    return config;
                }
                return DistributionStatisticConfig.builder().percentilesHistogram(true)
                        .minimumExpectedValue((double) FASTEST.toNanos()).maximumExpectedValue((double) SLOWEST.toNanos())
                        .build().merge(config);
            }
        };
    }
}
