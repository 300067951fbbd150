package dev.fmnist.loadgen;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.contract.images.HostileImages;
import dev.fmnist.contract.images.PhotoRenders;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.util.Percentiles;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.ModelInferRequest;
import dev.fmnist.proto.v1.ClassifierGrpc;
import dev.fmnist.proto.v1.ClassifyBatchRequest;
import dev.fmnist.proto.v1.ClassifyBatchResponse;
import dev.fmnist.proto.v1.ClassifyRequest;
import dev.fmnist.proto.v1.ClassifyResponse;
import dev.fmnist.proto.v1.Image;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Closed-loop load: N requests in flight at all times, for a fixed time, over gRPC (Classify,
 * ModelInfer) or KServe v2 REST (binary tensors, or JSON); reports p50/p99 latency and throughput per
 * rpc and concurrency, and the raw DJL forward pass of the same artefact at the same batch size for
 * comparison. Several model names spread the requests over those models, in turn. Besides the raw
 * 28x28 test images, {@code --images photos:STYLE} sends product-photo renders of the same test images
 * ({@link PhotoRenders}, rendered before anything is timed) as encoded images through Classify, and
 * every Classify point reports its accuracy against the test labels. Bench tooling
 * ({@code bin/loadgen}), kept out of the service's jar: a client has no place in the server.
 */
@Command(name = "loadgen", mixinStandardHelpOptions = true,
        description = "Measure Classify, ModelInfer and REST infer latency and throughput against a running "
                + "inference-service.")
public final class LoadGeneratorCommand implements Callable<Integer> {

    private static final double NANOS_PER_MS = 1e6;
    private static final double NANOS_PER_SECOND = 1e9;
    /** How long the raw forward pass is timed at each batch size. */
    private static final double RAW_SECONDS = 3;
    private static final int IMAGES = 1000;
    private static final int MAX_SAMPLES = 1 << 22;
    private static final List<String> RPCS = List.of("Classify", "ModelInfer", "REST", "REST-JSON");
    private static final String RAW = "raw";
    private static final String PHOTOS = "photos:";
    /** The raw columns without --artefact: nothing timed. */
    private static final InferenceModel.PassTimes NO_RAW_PASS = new InferenceModel.PassTimes(1, 0, 0, Double.NaN,
            Double.NaN);

    @Spec
    CommandSpec spec;

    @Option(names = "--target", defaultValue = "127.0.0.1:9000", description = "gRPC host:port (default: ${DEFAULT-VALUE})")
    String target;

    @Option(names = "--http-target", defaultValue = "127.0.0.1:8081",
            description = "HTTP host:port for the REST rpcs (default: ${DEFAULT-VALUE})")
    String httpTarget;

    @Option(names = "--model-name", split = ",", defaultValue = "better",
            description = "served model(s); several take requests in turn (default: ${DEFAULT-VALUE})")
    List<String> modelNames;

    @Option(names = "--concurrency", split = ",", defaultValue = "1,16,64", description = "clients in flight (default: ${DEFAULT-VALUE})")
    int[] concurrency;

    @Option(names = "--rpc", split = ",", defaultValue = "Classify,ModelInfer",
            description = "rpcs to measure, in this order: Classify, ModelInfer (gRPC), REST (KServe v2 with binary "
                    + "tensors), REST-JSON (KServe v2 with JSON data) (default: ${DEFAULT-VALUE})")
    List<String> rpcs;

    @Option(names = "--seconds", defaultValue = "10", description = "measured seconds per point (default: ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--warmup-seconds", defaultValue = "5",
            description = "unmeasured seconds per point in the warm-up pass (default: ${DEFAULT-VALUE})")
    int warmupSeconds;

    @Option(names = "--settle-seconds", defaultValue = "2",
            description = "unmeasured seconds at each point right before measuring it (default: ${DEFAULT-VALUE})")
    int settleSeconds;

    @Option(names = "--forward", defaultValue = "torchscript",
            description = "how the raw baseline runs the artefact, as fmnist.serving.forward says the service does: "
                    + "torchscript or block (default: ${DEFAULT-VALUE})")
    String forward;

    private ForwardForm rawForm;

    @Option(names = "--artefact", description = "the served artefact's file, for the raw forward-pass baseline")
    Path artefact;

    @Option(names = "--raw-threads", defaultValue = "0",
            description = "PyTorch threads of the raw baseline's pass: 1 as each serving worker runs one "
                    + "(fmnist.serving.batching.threads-per-forward), 0 for PyTorch's choice, one per core (default: ${DEFAULT-VALUE})")
    int rawThreads;

    @Option(names = "--images-per-request", defaultValue = "1",
            description = "images per request: above 1, Classify sends ClassifyBatch and ModelInfer an [N,784] tensor "
                    + "(default: ${DEFAULT-VALUE})")
    int imagesPerRequest;

    @Option(names = "--images", split = ",", defaultValue = RAW,
            description = "what to send, each measured in turn: raw (the test images' 28x28 pixels, every rpc) or "
                    + "photos:STYLE (product-photo renders of the same test images as PNG/JPEG bytes, Classify only, "
                    + "the server's default conversion), STYLE one of jpeg, rgb-png, cutout-png, gray-jpeg; e.g. "
                    + "raw,photos:jpeg (default: ${DEFAULT-VALUE})")
    List<String> imageSets;

    @Option(names = "--photo-seed", defaultValue = "0",
            description = "photos: test image i is rendered with seed photo-seed + i (default: ${DEFAULT-VALUE})")
    long photoSeed;

    @Option(names = "--bomb-every-ms", defaultValue = "0",
            description = "also measure every point while another client, on its own connection, sends a "
                    + "30000x30000 PNG decompression bomb every N ms (0: off; default: ${DEFAULT-VALUE})")
    int bombEveryMs;

    /** The raw baseline's engine, made at its first use: without --artefact the engine is never started. */
    private ComputeEngine engine;

    public static void main(String... args) {
        System.exit(new CommandLine(new LoadGeneratorCommand())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + e.getMessage());
                    return 1;
                }).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        for (String rpc : rpcs) {
            if (!RPCS.contains(rpc)) {
                throw new ParameterException(spec.commandLine(), "--rpc: expected " + String.join(", ", RPCS) + ", got " + rpc);
            }
        }
        if (!rpcs.contains("Classify") && imageSets.stream().anyMatch(set -> set.startsWith(PHOTOS))) {
            throw new ParameterException(spec.commandLine(), "--images: photos are sent through Classify alone; add "
                    + "Classify to --rpc " + String.join(",", rpcs));
        }
        if (rawThreads < 0) {
            throw new ParameterException(spec.commandLine(), "--raw-threads: expected 0 (PyTorch's choice) or more, got "
                    + rawThreads);
        }
        try {
            rawForm = ForwardForm.parse("--forward", forward);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        FashionMnist.Split test = FashionMnistLoader.builder().build().load().test();
        int[] labels = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            labels[i] = test.labels()[i];
        }
        Map<String, List<Image>> sets = imageSets(test); // photos rendered here, before anything is timed
        // callbacks on the transport threads: they only record a number and start the next call
        ManagedChannel channel = ManagedChannelBuilder.forTarget(target).usePlaintext().directExecutor().build();
        // Vert.x's client, the one Quarkus serves with: event-loop I/O, one pooled keep-alive connection
        // per client in flight; the JDK's HttpClient took a whole core here and bounded what was measured
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setMaxPoolSize(Arrays.stream(concurrency).max().orElse(1)));
        try {
            ClassifierGrpc.ClassifierFutureStub classifier = ClassifierGrpc.newFutureStub(channel);
            GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub v2 = GRPCInferenceServiceGrpc.newFutureStub(channel);
            List<Workload> workloads = new ArrayList<>();
            for (Map.Entry<String, List<Image>> set : sets.entrySet()) {
                List<Image> images = set.getValue();
                boolean photos = !set.getKey().equals(RAW);
                for (String rpc : rpcs) {
                    if (photos && !rpc.equals("Classify")) {
                        continue; // an encoded photo goes through Classify alone; the tensors of the others are pixels
                    }
                    Call[] calls = new Call[IMAGES];
                    for (int i = 0; i < IMAGES; i++) {
                        Image image = images.get(i);
                        List<Image> batch = new ArrayList<>();
                        int[] expected = new int[imagesPerRequest];
                        for (int j = 0; j < imagesPerRequest; j++) {
                            batch.add(images.get((i + j) % IMAGES));
                            expected[j] = labels[(i + j) % IMAGES];
                        }
                        ByteString tensor = photos ? ByteString.EMPTY
                                : batch.stream().map(Image::getRawUint8).reduce(ByteString.EMPTY, ByteString::concat);
                        String model = modelNames.get(i % modelNames.size());
                        calls[i] = switch (rpc) {
                            case "Classify" -> new Scored(imagesPerRequest == 1
                                    ? () -> stage(classifier.classify(ClassifyRequest.newBuilder().setModel(model)
                                            .setImage(image).build()))
                                    : () -> stage(classifier.classifyBatch(ClassifyBatchRequest.newBuilder().setModel(model)
                                            .addAllImages(batch).build())), expected);
                            case "ModelInfer" -> () -> stage(v2.modelInfer(ModelInferRequest.newBuilder().setModelName(model)
                                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("images")
                                            .setDatatype("UINT8").addShape(imagesPerRequest).addShape(FashionMnist.PIXELS))
                                    .addRawInputContents(tensor).build()));
                            case "REST" -> rest(http, model, binaryBody(tensor), true);
                            case "REST-JSON" -> rest(http, model, jsonBody(tensor), false);
                            default -> throw new IllegalStateException("an rpc not checked: " + rpc);
                        };
                    }
                    workloads.add(new Workload(rpc, set.getKey(), calls));
                }
            }
            // Every point once unmeasured first: the server's JIT warms up on all paths, so the
            // first rpc measured is not penalised against the later ones.
            for (Workload workload : workloads) {
                for (int clients : concurrency) {
                    run(workload.calls(), clients, warmupSeconds);
                }
            }
            // the bench scripts read these columns by position, so each value stays one token; the raw
            // pass's own p50 and p99 last: this machine's spread of the pass alone, beside the served one's
            System.out.printf("%-10s %11s %9s %9s %12s %14s %9s %-18s %8s %11s %11s%n", "rpc", "concurrency", "p50 ms",
                    "p99 ms", "requests/s", "raw images/s", "ratio", "images", "accuracy", "raw p50 ms", "raw p99 ms");
            for (Workload workload : workloads) {
                String rpc = workload.rpc();
                Call[] calls = workload.calls();
                for (int clients : concurrency) {
                    run(calls, clients, settleSeconds); // the same point, unmeasured: the previous one's load is gone
                    Point point = run(calls, clients, seconds);
                    InferenceModel.PassTimes passes = artefact == null ? NO_RAW_PASS
                            : rawPasses(test, clients * imagesPerRequest);
                    double raw = passes.imagesPerSecond();
                    System.out.printf("%-10s %11d %9.2f %9.2f %12.0f %14.0f %9.2f %-18s %8s %11.3f %11.3f%n", rpc, clients,
                            point.p50Ms(), point.p99Ms(), point.perSecond(), raw, point.perSecond() * imagesPerRequest / raw,
                            workload.images(), point.accuracy(), passes.p50Ms(), passes.p99Ms());
                    if (bombEveryMs > 0) {
                        try (Bomber bomber = new Bomber(target, bombEveryMs)) {
                            run(calls, clients, settleSeconds);
                            Point bombed = run(calls, clients, seconds);
                            System.out.printf("%-10s %11d %9.2f %9.2f %12.0f %14.0f %9.2f %-18s %8s %11.3f %11.3f   %s%n",
                                    rpc + "+bombs", clients, bombed.p50Ms(), bombed.p99Ms(), bombed.perSecond(), raw,
                                    bombed.perSecond() * imagesPerRequest / raw, workload.images(), bombed.accuracy(),
                                    passes.p50Ms(), passes.p99Ms(), bomber.summary());
                        }
                    }
                }
            }
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
        return 0;
    }

    /**
     * The images of each {@code --images} set, in order: the raw test images, and for photos:STYLE their
     * renders (rendered in parallel, each deterministic in its seed, so the set does not depend on the threads).
     */
    private Map<String, List<Image>> imageSets(FashionMnist.Split test) {
        Map<String, List<Image>> sets = new LinkedHashMap<>();
        for (String set : imageSets) {
            if (set.equals(RAW)) {
                sets.put(set, IntStream.range(0, IMAGES).mapToObj(i -> Image.newBuilder().setRawUint8(ByteString.copyFrom(
                        test.images(), i * FashionMnist.PIXELS, FashionMnist.PIXELS)).build()).toList());
            } else if (set.startsWith(PHOTOS)) {
                PhotoRenders.Style style;
                try {
                    style = PhotoRenders.Style.fromId(set.substring(PHOTOS.length()));
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), "--images " + set + ": " + e.getMessage());
                }
                long start = System.nanoTime();
                sets.put(set, IntStream.range(0, IMAGES).parallel().mapToObj(i -> Image.newBuilder().setEncoded(
                        ByteString.copyFrom(PhotoRenders.encoded(test.images(), i * FashionMnist.PIXELS, style,
                                photoSeed + i))).build()).toList());
                long bytes = sets.get(set).stream().mapToLong(image -> image.getEncoded().size()).sum();
                System.err.printf("%s: %d renders of the test images, %.1f KB each on average, made in %.1f s%n", set,
                        IMAGES, bytes / 1024.0 / IMAGES, (System.nanoTime() - start) / NANOS_PER_SECOND);
            } else {
                throw new ParameterException(spec.commandLine(), "--images: expected raw or photos:STYLE (STYLE one of "
                        + String.join(", ", Arrays.stream(PhotoRenders.Style.values()).map(PhotoRenders.Style::id)
                                .toList()) + "), got " + set);
            }
        }
        return sets;
    }

    /** A KServe v2 infer over HTTP; anything but 200 counts as a failure. */
    private Call rest(HttpClient http, String model, byte[][] body, boolean binary) {
        int colon = httpTarget.lastIndexOf(':');
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost(httpTarget.substring(0, colon))
                .setPort(Integer.parseInt(httpTarget.substring(colon + 1))).setURI("/v2/models/" + model + "/infer");
        if (binary) {
            options.putHeader("Content-Type", "application/octet-stream")
                    .putHeader("Inference-Header-Content-Length", new String(body[1], StandardCharsets.US_ASCII));
        } else {
            options.putHeader("Content-Type", "application/json");
        }
        Buffer payload = Buffer.buffer(body[0]);
        return () -> http.request(options).compose(request -> request.send(payload)).compose(response -> {
            if (response.statusCode() != 200) {
                return Future.failedFuture("HTTP " + response.statusCode());
            }
            return response.body();
        }).toCompletionStage();
    }

    /** The binary tensor extension's body (JSON header, then the UINT8 pixels) and the header's length. */
    private byte[][] binaryBody(ByteString pixels) {
        byte[] header = ("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[" + imagesPerRequest + ","
                + FashionMnist.PIXELS + "],\"parameters\":{\"binary_data_size\":" + pixels.size() + "}}],"
                + "\"outputs\":[{\"name\":\"probabilities\",\"parameters\":{\"binary_data\":true}}]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] body = new byte[header.length + pixels.size()];
        System.arraycopy(header, 0, body, 0, header.length);
        pixels.copyTo(body, header.length);
        return new byte[][] {body, String.valueOf(header.length).getBytes(StandardCharsets.US_ASCII)};
    }

    /** The same request with the pixels as JSON numbers. */
    private byte[][] jsonBody(ByteString pixels) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < pixels.size(); i++) {
            data.append(i == 0 ? "" : ",").append(pixels.byteAt(i) & 0xff);
        }
        return new byte[][] {("{\"inputs\":[{\"name\":\"images\",\"datatype\":\"UINT8\",\"shape\":[" + imagesPerRequest
                + "," + FashionMnist.PIXELS + "],\"data\":[" + data + "]}]}").getBytes(StandardCharsets.UTF_8)};
    }

    /** A gRPC future as a completion stage, completed on the transport thread. */
    private static CompletableFuture<Object> stage(ListenableFuture<?> future) {
        CompletableFuture<Object> stage = new CompletableFuture<>();
        future.addListener(() -> {
            try {
                stage.complete(future.get());
            } catch (ExecutionException e) {
                stage.completeExceptionally(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stage.completeExceptionally(e);
            }
        }, MoreExecutors.directExecutor());
        return stage;
    }

    /** @param accuracy answers equal to their label over the images answered, "-" where the rpc's answers are not scored */
    private record Point(double p50Ms, double p99Ms, double perSecond, String accuracy) {}

    /** One rpc sending one image set: a row of the table. */
    private record Workload(String rpc, String images, Call[] calls) {}

    /** One request, started asynchronously. */
    private interface Call {
        CompletionStage<?> start();
    }

    /** A Classify or ClassifyBatch call whose answers are checked against the images' labels. */
    private record Scored(Call call, int[] labels) implements Call {

        @Override
        public CompletionStage<?> start() {
            return call.start();
        }

        /** How many of the answer's classes equal their image's label. */
        int correct(Object answer) {
            List<ClassifyResponse> results = answer instanceof ClassifyBatchResponse batch ? batch.getResultsList()
                    : List.of((ClassifyResponse) answer);
            int right = 0;
            for (int k = 0; k < Math.min(labels.length, results.size()); k++) {
                right += results.get(k).getClassIndex() == labels[k] ? 1 : 0;
            }
            return right;
        }
    }

    /**
     * {@code clients} requests in flight at all times: each answer records its latency and starts the
     * next request. Asynchronous calls with their callbacks on gRPC's own threads, so the client
     * needs no thread per simulated client and takes as little CPU from the server as it can.
     */
    private static Point run(Call[] calls, int clients, int seconds) throws InterruptedException {
        long end = System.nanoTime() + (long) (seconds * NANOS_PER_SECOND);
        long[] latencies = new long[MAX_SAMPLES];
        AtomicInteger count = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        Tally tally = new Tally();
        CountDownLatch finished = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            issue(calls, c, clients, end, latencies, count, failures, tally, finished);
        }
        finished.await();
        if (failures.get() > 0) {
            System.err.printf("%d requests failed%n", failures.get());
        }
        int total = Math.min(count.get(), MAX_SAMPLES);
        if (total == 0) {
            return new Point(Double.NaN, Double.NaN, 0, "-"); // every request failed, as reported above
        }
        long[] all = Arrays.copyOf(latencies, total);
        Arrays.sort(all);
        return new Point(Percentiles.nearestRank(all, 0.5) / NANOS_PER_MS, Percentiles.nearestRank(all, 0.99) / NANOS_PER_MS,
                total / (double) seconds, tally.accuracy());
    }

    /** Scored images answered and those answered right, over one point. */
    private static final class Tally {
        private final AtomicInteger answered = new AtomicInteger();
        private final AtomicInteger right = new AtomicInteger();

        void add(Scored call, Object answer) {
            right.addAndGet(call.correct(answer));
            answered.addAndGet(call.labels().length);
        }

        String accuracy() {
            return answered.get() == 0 ? "-" : String.format("%.4f", right.get() / (double) answered.get());
        }
    }

    private static void issue(Call[] calls, int index, int clients, long end, long[] latencies, AtomicInteger count,
            AtomicInteger failures, Tally tally, CountDownLatch finished) {
        long start = System.nanoTime();
        Call call = calls[index % calls.length];
        call.start().whenComplete((answer, failure) -> {
            long now = System.nanoTime();
            if (failure == null) {
                int slot = count.getAndIncrement();
                if (slot < latencies.length) {
                    latencies[slot] = now - start;
                }
                if (call instanceof Scored scored) {
                    tally.add(scored, answer);
                }
            } else {
                failures.incrementAndGet();
            }
            if (now >= end) {
                finished.countDown();
            } else if (failure == null) {
                issue(calls, index + clients, clients, end, latencies, count, failures, tally, finished);
            } else {
                // a failure can complete inside the call that started it (no server to reach): the
                // next call starts on the pool, so a client that only fails does not recurse until
                // its stack overflows and the run waits for it for ever
                ForkJoinPool.commonPool().execute(() -> issue(calls, index + clients, clients, end, latencies, count,
                        failures, tally, finished));
            }
        });
    }

    /** The same artefact's forward pass in this process, batch = concurrency, one call after another. */
    private InferenceModel.PassTimes rawPasses(FashionMnist.Split test, int batch) throws Exception {
        ModelArtefact decoded = ArtefactCodec.decode(Files.readAllBytes(artefact));
        if (engine == null) {
            engine = ComputeEngine.builder().optThreads(rawThreads).build(); // made once, on the default device
        }
        try (InferenceModel served = InferenceModel.load(decoded, engine, rawForm)) {
            float[] pixels = new float[batch * FashionMnist.PIXELS];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = Pixels.scale(test.images()[i % test.images().length]);
            }
            return served.timePasses(pixels, batch, RAW_SECONDS);
        }
    }

    /**
     * The hostile client: its own connection, a PNG decompression bomb (875 KB on the wire, 900 MB
     * of pixels) every {@code everyMs} ms, each call asynchronous; records how fast the refusals come.
     */
    private static final class Bomber implements AutoCloseable {
        private final ManagedChannel channel;
        private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
        private final List<Long> refusalNanos = Collections.synchronizedList(new ArrayList<>());
        private final AtomicInteger accepted = new AtomicInteger();

        Bomber(String target, int everyMs) {
            channel = ManagedChannelBuilder.forTarget(target).usePlaintext().directExecutor().build();
            ClassifierGrpc.ClassifierFutureStub classifier = ClassifierGrpc.newFutureStub(channel);
            ClassifyRequest bomb = ClassifyRequest.newBuilder().setResize(true).setImage(Image.newBuilder()
                    .setEncoded(ByteString.copyFrom(HostileImages.pngBomb()))).build();
            clock.scheduleAtFixedRate(() -> {
                long start = System.nanoTime();
                ListenableFuture<?> answer = classifier.classify(bomb);
                answer.addListener(() -> {
                    try {
                        answer.get();
                        accepted.incrementAndGet(); // a server that decoded it: the bomb went off
                    } catch (ExecutionException | InterruptedException e) {
                        refusalNanos.add(System.nanoTime() - start);
                    }
                }, MoreExecutors.directExecutor());
            }, 0, everyMs, TimeUnit.MILLISECONDS);
        }

        String summary() {
            long[] sorted;
            synchronized (refusalNanos) {
                sorted = refusalNanos.stream().mapToLong(Long::longValue).sorted().toArray();
            }
            if (sorted.length == 0) {
                return "bombs: none answered";
            }
            return String.format("bombs: %d refused (p50 %.2f ms, p99 %.2f ms), %d accepted", sorted.length,
                    Percentiles.nearestRank(sorted, 0.5) / NANOS_PER_MS, Percentiles.nearestRank(sorted, 0.99) / NANOS_PER_MS,
                    accepted.get());
        }

        @Override
        public void close() {
            clock.shutdownNow();
            try {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
