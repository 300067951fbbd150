package dev.fmnist.inference.metrics;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.engine.util.ProcessMemory;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Every meter of the inference service: its name, tags, description and registration are here and
 * nowhere else, since the Grafana dashboards ({@code deploy/grafana}), the alert rules
 * ({@code deploy/prometheus}) and the system tests read these names. The batcher, the gRPC front
 * ends, the model selector and the model-control reader record through it. Request latency and codes
 * come from Quarkus's own gRPC server and HTTP server timers, given histogram buckets here. Beside them, Triton's
 * per-model series under Triton's own names ({@code nv_inference_*}, see {@link #tritonSeries}), so
 * dashboards and alerts written for Triton work against this service unchanged.
 */
@Singleton
public class ServingMetrics {

    static final String MODEL_INFO = "fmnist.inference.model.info";
    static final String MODEL_LOADS = "fmnist.inference.model.loads";
    /** The {@code result} of a model load: the artefact serves, or was refused and the previous one keeps serving. */
    static final String LOADED = "loaded";
    static final String REFUSED = "refused";
    static final String RESIDENT_MEMORY = "fmnist.process.resident.memory";
    static final String PREDICTIONS = "fmnist.inference.predictions";
    static final String BATCH_SIZE = "fmnist.inference.batch.size";
    static final String QUEUE_WAIT = "fmnist.inference.queue.wait";
    static final String COMPUTE = "fmnist.inference.compute";
    static final String REJECTED_OVERLOAD = "fmnist.inference.rejected.overload";
    static final String CONTROL_REJECTED = "fmnist.inference.control.rejected";
    static final String GRPC_CALLS = "fmnist.inference.grpc.calls";
    /** Quarkus's timer of every gRPC call (by service, method and status code); only its buckets are set here. */
    static final String GRPC_SERVER_DURATION = "grpc.server.processing.duration";
    /**
     * Quarkus's timer of every HTTP request (KServe v2 REST and Triton's HTTP extensions), by method,
     * status and {@code uri}: the route's template ({@code /v2/models/{name}/infer}), {@code NOT_FOUND}
     * for a path no route matches, so its series stay bounded whatever clients send; only its buckets
     * are set here. /q/ endpoints (metrics, health) are not timed.
     */
    static final String HTTP_SERVER_REQUESTS = "http.server.requests";
    /**
     * Triton's names, labels {@code model} and {@code version} (failures also {@code reason}), counted
     * per request as Triton counts them: requests answered and failed, images answered, forward passes,
     * and the summed microseconds from arrival to answer, in the queue, and in the forward pass.
     */
    static final String NV_REQUEST_SUCCESS = "nv_inference_request_success";
    static final String NV_REQUEST_FAILURE = "nv_inference_request_failure";
    static final String NV_INFERENCE_COUNT = "nv_inference_count";
    static final String NV_EXEC_COUNT = "nv_inference_exec_count";
    static final String NV_REQUEST_DURATION = "nv_inference_request_duration_us";
    static final String NV_QUEUE_DURATION = "nv_inference_queue_duration_us";
    static final String NV_COMPUTE_INFER_DURATION = "nv_inference_compute_infer_duration_us";
    private static final double NANOS_PER_MICRO = 1_000.0;
    /**
     * Bucket range of every serving latency histogram (requests, queue wait, forward pass): from 100 us
     * (below one forward pass) to a request that waited through a full queue. Micrometer's default
     * starts at 1 ms, where a BetterNet pass of 0.5 ms and a queue wait of 0.05 ms fell in one bucket.
     */
    private static final Duration FASTEST = Duration.ofNanos(100_000);
    private static final Duration SLOWEST = Duration.ofSeconds(10);
    private static final double[] BATCH_SIZES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

    private final MeterRegistry registry;
    private final MultiGauge modelInfo;
    private final Counter controlRejected;
    /** The live version of each served model, by name. */
    private final Map<String, ModelManifest> live = new ConcurrentHashMap<>();
    private final Map<String, ModelMeters> models = new ConcurrentHashMap<>();
    /** One counter per gRPC method and code, looked up once: recorded on every call. */
    private final Map<String, Counter> grpcCalls = new ConcurrentHashMap<>();

    @Inject
    public ServingMetrics(MeterRegistry registry) {
        this.registry = registry;
        modelInfo = MultiGauge.builder(MODEL_INFO)
                .description("the live model (value 1), labelled by version and architecture").register(registry);
        Gauge.builder(RESIDENT_MEMORY, ProcessMemory::rssBytes).baseUnit("bytes")
                .description("resident set size, native memory included").register(registry);
        // registered at start, like every per-model meter, so alerts see 0 rather than no series at all
        controlRejected = Counter.builder(CONTROL_REJECTED).description("model-control records refused as malformed")
                .register(registry);
    }

    /**
     * Quarkus times gRPC calls and HTTP requests as plain summaries; buckets let dashboards take
     * p50/p95/p99 across replicas, for both front ends on the same scale.
     */
    @Produces
    @Singleton
    static MeterFilter requestLatencyBuckets() {
        return new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals(GRPC_SERVER_DURATION) && !id.getName().equals(HTTP_SERVER_REQUESTS)) {
                    return config;
                }
                return DistributionStatisticConfig.builder().percentilesHistogram(true)
                        .minimumExpectedValue((double) FASTEST.toNanos()).maximumExpectedValue((double) SLOWEST.toNanos())
                        .build().merge(config);
            }
        };
    }

    /**
     * The meters of served model {@code model}, registered once when it is set up, so dashboards and
     * alerts see 0 rather than no series at all.
     */
    public ModelMeters servedModel(String model) {
        return models.computeIfAbsent(model, name -> {
            modelLoads(name, LOADED);
            modelLoads(name, REFUSED);
            Counter[] predictions = new Counter[FashionMnist.CLASSES];
            for (int c = 0; c < FashionMnist.CLASSES; c++) {
                predictions[c] = Counter.builder(PREDICTIONS).tag("model", name)
                        .tag("class", FashionMnist.CLASS_NAMES[c]).description("answers by predicted class")
                        .register(registry);
            }
            return new ModelMeters(
                    DistributionSummary.builder(BATCH_SIZE).description("images per forward pass").tag("model", name)
                            .serviceLevelObjectives(BATCH_SIZES).register(registry),
                    Timer.builder(QUEUE_WAIT).description("time from arrival to forward pass").tag("model", name)
                            .publishPercentileHistogram().minimumExpectedValue(FASTEST).maximumExpectedValue(SLOWEST)
                            .register(registry),
                    Timer.builder(COMPUTE).description("forward pass of one batch").tag("model", name)
                            .publishPercentileHistogram().minimumExpectedValue(FASTEST).maximumExpectedValue(SLOWEST)
                            .register(registry),
                    Counter.builder(REJECTED_OVERLOAD).tag("model", name)
                            .description("requests refused with RESOURCE_EXHAUSTED because the queue was full")
                            .register(registry),
                    predictions, version -> tritonSeries(name, version));
        });
    }

    /**
     * Triton's series of one version of {@code model}, at 0 until it serves. Triton declares them
     * counters without the {@code _total} suffix; Micrometer's Prometheus registry writes every
     * counter as {@code <name>_total} (and OpenMetrics requires the suffix), so a counter could not
     * carry Triton's exact name. They are exposed as gauges whose value only grows: PromQL's
     * {@code rate} and {@code increase} do not look at the declared type, so Triton's queries and
     * alerts read them unchanged (a restart resets them to 0, which {@code rate} handles as for any
     * counter).
     */
    private TritonCounters tritonSeries(String model, String version) {
        TritonCounters counters = new TritonCounters();
        Tags tags = Tags.of("model", model, "version", version);
        List<Meter> series = new ArrayList<>();
        series.add(tritonGauge(NV_REQUEST_SUCCESS, tags, counters.success::sum,
                "requests answered, each counted once whatever its batch size (Triton-compatible)"));
        for (FailureReason reason : FailureReason.values()) {
            series.add(tritonGauge(NV_REQUEST_FAILURE, tags.and("reason", reason.name()),
                    counters.failures[reason.ordinal()]::sum,
                    "requests failed, each counted once whatever its batch size, by reason (Triton-compatible)"));
        }
        series.add(tritonGauge(NV_INFERENCE_COUNT, tags, counters.inferences::sum,
                "images answered: a request of n images counts n (Triton-compatible)"));
        series.add(tritonGauge(NV_EXEC_COUNT, tags, counters.executions::sum,
                "forward passes (batch executions) (Triton-compatible)"));
        series.add(tritonGauge(NV_REQUEST_DURATION, tags, () -> counters.requestNanos.sum() / NANOS_PER_MICRO,
                "summed microseconds from each answered request's arrival to its answer (Triton-compatible)"));
        series.add(tritonGauge(NV_QUEUE_DURATION, tags, () -> counters.queueNanos.sum() / NANOS_PER_MICRO,
                "summed microseconds answered requests waited in the batching queue (Triton-compatible)"));
        series.add(tritonGauge(NV_COMPUTE_INFER_DURATION, tags,
                () -> counters.computeInferNanos.sum() / NANOS_PER_MICRO,
                "summed microseconds of the forward pass each answered request was in (Triton-compatible)"));
        counters.unregisterWith(() -> series.forEach(registry::remove));
        return counters;
    }

    private Counter modelLoads(String model, String result) {
        return Counter.builder(MODEL_LOADS).tag("model", model).tag("result", result)
                .description("artefacts loaded, or refused (the previous model keeps serving)").register(registry);
    }

    private Meter tritonGauge(String name, Tags tags, Supplier<Number> value, String description) {
        return Gauge.builder(name, value).tags(tags).description(description).strongReference(true).register(registry);
    }

    /** A request to {@code model}'s {@code version} failed for {@code reason}; a model not set up here is not. */
    public void failed(String model, String version, FailureReason reason) {
        ModelMeters meters = models.get(model);
        if (meters != null) {
            meters.failed(version, reason);
        }
    }

    /** A served model's answer of class {@code classIndex}; a model not set up here is not counted. */
    public void predicted(String model, int classIndex) {
        ModelMeters meters = models.get(model);
        if (meters != null) {
            meters.predicted(classIndex);
        }
    }

    /** {@code model} now serves {@code manifest}: one info row per served model. */
    public synchronized void modelLoaded(String model, ModelManifest manifest) {
        modelLoads(model, LOADED).increment();
        ModelMeters meters = models.get(model);
        if (meters != null) {
            meters.version(manifest.version()); // its Triton series at 0 from the start, as Triton has them
        }
        live.put(model, manifest);
        modelInfo.register(live.entrySet().stream().map(e -> MultiGauge.Row.of(Tags.of("model", e.getKey(), "version",
                e.getValue().version(), "architecture", e.getValue().networkSpec().label()), 1)).toList(), true);
    }

    public void modelRefused(String model) {
        modelLoads(model, REFUSED).increment();
    }

    /** A model-control record that could not be read. */
    public void controlRejected() {
        controlRejected.increment();
    }

    /** One gRPC call of {@code method} closed with {@code code}, as its client received it. */
    public void grpcCall(String method, Status.Code code) {
        grpcCalls.computeIfAbsent(method + " " + code.name(), key -> Counter.builder(GRPC_CALLS)
                .description("gRPC calls by method and the status the client received")
                .tag("method", method).tag("code", code.name()).register(registry)).increment();
    }
}
