package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.ServingMetrics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher on its own, with a forward pass of the test's: each image is its id (its first pixel),
 * and the pass answers each image with a row holding that id, records the batch it was given, and can
 * be held (to let requests queue up behind it) or made to fail. Ordering is forced with latches, not
 * sleeps.
 */
class DynamicBatcherTest {

    private static final long WAIT_SECONDS = 10;
    private static final ModelManifest MANIFEST = ModelManifest.of(NetworkSpec.of(Architecture.MLP), "batcher-test",
            HyperParameters.builder().build(), 0, List.of(), 0.9, 0, "cpu", "test", "test", "2026-01-01T00:00:00Z",
            "0123456789abcdef");

    private record Settings(int maxBatch, long maxDelayMicros, int queueCapacity, long maxQueuedImages, int workers,
            int threadsPerForward) implements InferenceConfig.Batching {

        static Settings of(int maxBatch, long maxDelayMicros, int queueCapacity, int workers) {
            return new Settings(maxBatch, maxDelayMicros, queueCapacity, 1 << 20, workers, 1);
        }
    }

    /** The forward pass: echoes ids, records each batch's ids, holds while {@code held}, fails on poison. */
    private static final class EchoForward implements DynamicBatcher.ForwardPass {
        final List<List<Integer>> batches = Collections.synchronizedList(new ArrayList<>());
        /** The worker thread of each pass, in order. */
        final List<String> workers = Collections.synchronizedList(new ArrayList<>());
        /** Counted down each time a pass starts. */
        volatile CountDownLatch entered = new CountDownLatch(1);
        /** Passes wait for it; open unless a test closes it. */
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile IntPredicate poison = id -> false;

        @Override
        public DynamicBatcher.Result run(float[] pixels, int images) {
            List<Integer> ids = new ArrayList<>();
            float[][] rows = new float[images][];
            for (int i = 0; i < images; i++) {
                int id = (int) pixels[i * FashionMnist.PIXELS];
                ids.add(id);
                rows[i] = new float[FashionMnist.CLASSES];
                rows[i][0] = id;
            }
            batches.add(ids);
            workers.add(Thread.currentThread().getName());
            entered.countDown();
            awaitUninterruptibly(gate); // a forward pass does not stop half way, as DJL's does not
            if (ids.stream().anyMatch(poison::test)) {
                throw new IllegalStateException("forward pass failed on " + ids);
            }
            return new DynamicBatcher.Result(rows, MANIFEST);
        }

        List<Integer> sizes() {
            synchronized (batches) {
                return batches.stream().map(List::size).toList();
            }
        }
    }

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final EchoForward forward = new EchoForward();
    private final List<DynamicBatcher> started = new ArrayList<>();

    private DynamicBatcher batcher(Settings settings) {
        DynamicBatcher batcher = new DynamicBatcher("test", new LiveModel("test"), forward, new InferenceStats("test"),
                settings, new ServingMetrics(registry).servedModel("test"));
        started.add(batcher);
        return batcher;
    }

    @AfterEach
    void stop() {
        forward.gate.countDown();
        started.forEach(DynamicBatcher::stop);
    }

    /** {@code count} images whose ids are {@code firstId} and on. */
    private static float[] images(int firstId, int count) {
        float[] pixels = new float[count * FashionMnist.PIXELS];
        for (int i = 0; i < count; i++) {
            pixels[i * FashionMnist.PIXELS] = firstId + i;
        }
        return pixels;
    }

    private static List<Integer> ids(DynamicBatcher.Result result) {
        List<Integer> ids = new ArrayList<>();
        for (float[] row : result.probabilities()) {
            ids.add((int) row[0]);
        }
        return ids;
    }

    private static List<Integer> range(int first, int count) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(first + i);
        }
        return ids;
    }

    private static DynamicBatcher.Result answer(CompletableFuture<DynamicBatcher.Result> future) throws Exception {
        return future.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static Status failure(CompletableFuture<DynamicBatcher.Result> future) throws Exception {
        try {
            future.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return Status.fromThrowable(e.getCause());
        }
        throw new AssertionError("expected a failure, got an answer");
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void await(CountDownLatch latch) throws InterruptedException {
        assertThat(latch.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("latch reached").isTrue();
    }

    /** Holds the forward pass and submits {@code id} alone; returns once that pass has started. */
    private CompletableFuture<DynamicBatcher.Result> holdWith(DynamicBatcher batcher, int id) throws Exception {
        forward.gate = new CountDownLatch(1);
        forward.entered = new CountDownLatch(1);
        CompletableFuture<DynamicBatcher.Result> held = batcher.submit(images(id, 1), 1);
        await(forward.entered);
        return held;
    }

    @Test
    void everyCallerGetsItsOwnRowsInItsOwnOrderUnderConcurrency() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(16, 500, 1024, 3));
        int callers = 8;
        int requestsEach = 150;
        CyclicBarrier start = new CyclicBarrier(callers);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<Integer>> checked = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                int caller = c;
                checked.add(pool.submit(() -> {
                    start.await();
                    int answered = 0;
                    for (int r = 0; r < requestsEach; r++) {
                        int count = 1 + (r % 3);
                        int firstId = (caller * requestsEach + r) * 4; // unique ids, spaced past count
                        DynamicBatcher.Result result = answer(batcher.submit(images(firstId, count), count));
                        assertThat(ids(result)).isEqualTo(range(firstId, count));
                        assertThat(result.model()).isSameAs(MANIFEST);
                        answered++;
                    }
                    return answered;
                }));
            }
            for (Future<Integer> f : checked) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(requestsEach);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(forward.sizes()).allMatch(size -> size <= 16, "at most max-batch images");
        assertThat(forward.sizes().stream().mapToInt(Integer::intValue).sum())
                .isEqualTo(callers * (requestsEach / 3) * (1 + 2 + 3));
    }

    @Test
    void oneWorkerTakesRequestsInArrivalOrder() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(4, 0, 1024, 1));
        CompletableFuture<DynamicBatcher.Result> held = holdWith(batcher, 0);
        List<CompletableFuture<DynamicBatcher.Result>> queued = new ArrayList<>();
        for (int id = 1; id <= 20; id++) {
            queued.add(batcher.submit(images(id, 1), 1));
        }
        forward.gate.countDown();
        answer(held);
        for (CompletableFuture<DynamicBatcher.Result> f : queued) {
            answer(f);
        }
        List<Integer> seen = new ArrayList<>();
        forward.batches.forEach(seen::addAll);
        assertThat(seen).isEqualTo(range(0, 21));
        assertThat(forward.sizes()).containsExactly(1, 4, 4, 4, 4, 4);
    }

    @Test
    void aTrickleOfRequestsIsServedByTheWorkerThatWentIdleLast() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(1, 0, 64, 2));
        for (int r = 0; r < 50; r++) {
            awaitIdle(batcher, 2); // every request finds both workers parked, as at concurrency 1
            assertThat(ids(answer(batcher.submit(images(r, 1), 1)))).containsExactly(r);
        }
        // a queue's take would wake the worker parked longest: the two in turn, each pass on a cold one
        assertThat(Set.copyOf(forward.workers)).as("workers of the 50 passes").hasSize(1);

        // under load both still work: a held pass keeps one busy, the other takes what comes
        CompletableFuture<DynamicBatcher.Result> held = holdWith(batcher, 100);
        forward.entered = new CountDownLatch(1);
        CompletableFuture<DynamicBatcher.Result> beside = batcher.submit(images(101, 1), 1);
        await(forward.entered);
        assertThat(Set.copyOf(forward.workers)).hasSize(2);
        forward.gate.countDown();
        assertThat(ids(answer(held))).containsExactly(100);
        assertThat(ids(answer(beside))).containsExactly(101);
    }

    /** Waits until {@code workers} of the batcher's workers are on its idle stack and parked there. */
    private static void awaitIdle(DynamicBatcher batcher, int workers) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (batcher.idleWorkers() < workers || Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("test-worker-")).anyMatch(t -> t.getState() != Thread.State.WAITING)) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(batcher.idleWorkers() + " of " + workers + " workers idle");
            }
            Thread.sleep(1);
        }
    }

    @Test
    void aBatchNeverExceedsMaxBatchWhenRequestsCarrySeveralImages() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(8, 0, 1024, 1));
        CompletableFuture<DynamicBatcher.Result> held = holdWith(batcher, 0);
        // 5 + 5 does not fit in 8: the second request opens the next batch instead
        List<CompletableFuture<DynamicBatcher.Result>> queued = List.of(batcher.submit(images(100, 5), 5),
                batcher.submit(images(200, 5), 5), batcher.submit(images(300, 3), 3), batcher.submit(images(400, 12), 12),
                batcher.submit(images(500, 1), 1));
        forward.gate.countDown();
        answer(held);
        assertThat(ids(answer(queued.get(0)))).isEqualTo(range(100, 5));
        assertThat(ids(answer(queued.get(1)))).isEqualTo(range(200, 5));
        assertThat(ids(answer(queued.get(2)))).isEqualTo(range(300, 3));
        assertThat(ids(answer(queued.get(3)))).isEqualTo(range(400, 12));
        assertThat(ids(answer(queued.get(4)))).isEqualTo(range(500, 1));
        // held, then 5; 5+3; a 12-image request larger than max-batch runs alone; then the last
        assertThat(forward.sizes()).containsExactly(1, 5, 8, 12, 1);
        assertThat(registry.get("fmnist.inference.batch.size").summary().count()).isEqualTo(5);
        assertThat(registry.get("fmnist.inference.batch.size").summary().max()).isEqualTo(12);
        // Triton's counters of the version that answered: 6 requests, 27 images, 5 passes
        assertThat(triton("nv_inference_request_success")).isEqualTo(6);
        assertThat(triton("nv_inference_count")).isEqualTo(27);
        assertThat(triton("nv_inference_exec_count")).isEqualTo(5);
        assertThat(triton("nv_inference_queue_duration_us")).isPositive();
        assertThat(triton("nv_inference_compute_infer_duration_us")).isPositive();
        assertThat(triton("nv_inference_queue_duration_us") + triton("nv_inference_compute_infer_duration_us"))
                .isLessThanOrEqualTo(triton("nv_inference_request_duration_us"));
    }

    private double triton(String name) {
        return registry.get(name).tag("model", "test").tag("version", MANIFEST.version()).gauge().value();
    }

    @Test
    void aBatchClosesWhenFullWithoutWaitingOutTheDelay() throws Exception {
        long delayMicros = TimeUnit.SECONDS.toMicros(30);
        DynamicBatcher batcher = batcher(Settings.of(4, delayMicros, 1024, 1));
        long start = System.nanoTime();
        List<CompletableFuture<DynamicBatcher.Result>> four = new ArrayList<>();
        for (int id = 0; id < 4; id++) {
            four.add(batcher.submit(images(id, 1), 1));
        }
        for (CompletableFuture<DynamicBatcher.Result> f : four) {
            answer(f); // within WAIT_SECONDS, far below the 30 s delay
        }
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MICROSECONDS.toNanos(delayMicros));
        assertThat(forward.sizes()).containsExactly(4);
    }

    @Test
    void aLoneRequestWaitsOutTheDelayForCompany() throws Exception {
        long delayMicros = 300_000;
        DynamicBatcher batcher = batcher(Settings.of(64, delayMicros, 1024, 1));
        long start = System.nanoTime();
        answer(batcher.submit(images(7, 1), 1));
        long waited = System.nanoTime() - start;
        assertThat(waited).as("waited for company").isGreaterThanOrEqualTo(TimeUnit.MICROSECONDS.toNanos(delayMicros));
        assertThat(forward.sizes()).containsExactly(1);
    }

    @Test
    void patientWorkWaitsForEachOtherAndSharesOnePassWithoutMakingTheModelBusy() throws Exception {
        // several workers: patient work still gathers in one batch, on its own lane's thread
        DynamicBatcher batcher = batcher(Settings.of(64, 0, 1024, 4));
        long patienceMicros = DynamicBatcher.MAX_PATIENCE_MICROS;
        long start = System.nanoTime();
        List<CompletableFuture<DynamicBatcher.Result>> three = new ArrayList<>();
        for (int id = 0; id < 3; id++) {
            three.add(batcher.submitPatient(images(id, 1), 1, patienceMicros));
        }
        assertThat(batcher.outstanding()).as("taken, not answered").isEqualTo(3);
        assertThat(batcher.busy()).as("gathering company is not load").isFalse();
        for (int id = 0; id < 3; id++) {
            assertThat(ids(answer(three.get(id)))).containsExactly(id);
        }
        assertThat(System.nanoTime() - start).as("the first one's patience was waited out")
                .isGreaterThanOrEqualTo(TimeUnit.MICROSECONDS.toNanos(patienceMicros));
        assertThat(forward.sizes()).as("one pass for all three, where the batcher's own delay of 0 runs each alone")
                .containsExactly(3);
        assertThat(batcher.outstanding()).isZero();
        assertThat(batcher.busy()).isFalse();
        assertThat(batcher.workers()).as("the patient lane's thread is not a client worker").isEqualTo(4);
    }

    @Test
    void aClientsRequestNeverWaitsForPatientWorkNorSharesItsPass() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(64, 0, 1024, 1));
        CompletableFuture<DynamicBatcher.Result> patient = batcher.submitPatient(images(1, 1), 1,
                DynamicBatcher.MAX_PATIENCE_MICROS);
        assertThat(batcher.busy()).isFalse();
        CompletableFuture<DynamicBatcher.Result> client = holdWith(batcher, 2);
        assertThat(batcher.busy()).as("a client's request computing").isTrue();
        assertThat(forward.batches).as("the client's pass runs alone, the patient work still gathering")
                .containsExactly(List.of(2));
        forward.gate.countDown();
        assertThat(ids(answer(client))).containsExactly(2);
        assertThat(ids(answer(patient))).containsExactly(1);
        assertThat(forward.batches).containsExactly(List.of(2), List.of(1));
        assertThat(batcher.busy()).isFalse();
    }

    @Test
    void thePatientLaneIsBoundedItsPassIsLoadAndStopFailsWhatItHolds() throws Exception {
        // max-batch 1: each patient request is its own pass at once, so the lane's fill is exact
        DynamicBatcher batcher = batcher(Settings.of(1, 0, 1024, 1));
        for (long bad : new long[] {-1, DynamicBatcher.MAX_PATIENCE_MICROS + 1}) {
            assertThat(catchThrowableOfType(IllegalArgumentException.class,
                    () -> batcher.submitPatient(images(0, 1), 1, bad))).hasMessageContaining("maxDelayMicros");
        }
        forward.gate = new CountDownLatch(1);
        forward.entered = new CountDownLatch(1);
        CompletableFuture<DynamicBatcher.Result> computing = batcher.submitPatient(images(0, 1), 1, 0);
        await(forward.entered);
        assertThat(batcher.busy()).as("a patient pass computing is load").isTrue();
        List<CompletableFuture<DynamicBatcher.Result>> queued = new ArrayList<>();
        for (int id = 1; id <= 4; id++) { // four batches' worth of max-batch 1
            queued.add(batcher.submitPatient(images(id, 1), 1, 0));
        }
        StatusRuntimeException full = catchThrowableOfType(StatusRuntimeException.class,
                () -> batcher.submitPatient(images(5, 1), 1, 0));
        assertThat(full.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        forward.entered = new CountDownLatch(1);
        CompletableFuture<DynamicBatcher.Result> client = batcher.submit(images(6, 1), 1); // its own lane: taken
        await(forward.entered); // its worker computes it beside the held patient pass
        assertThat(batcher.outstanding()).isEqualTo(6);

        batcher.stop();
        for (CompletableFuture<DynamicBatcher.Result> f : queued) {
            assertThat(failure(f).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
        StatusRuntimeException stopped = catchThrowableOfType(StatusRuntimeException.class,
                () -> batcher.submitPatient(images(7, 1), 1, 0));
        assertThat(stopped.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(batcher.busy()).as("the running pass").isTrue();
        forward.gate.countDown();
        assertThat(ids(answer(computing))).containsExactly(0);
        assertThat(ids(answer(client))).containsExactly(6);
        awaitWorkersGone(); // the patient lane's thread ends with the clients'
        assertThat(batcher.outstanding()).isZero();
        assertThat(batcher.busy()).isFalse();
    }

    @Test
    void aFullQueueRefusesAtOnceWithResourceExhaustedAndRecoversWhenItDrains() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(1, 0, 2, 1));
        CompletableFuture<DynamicBatcher.Result> held = holdWith(batcher, 0);
        CompletableFuture<DynamicBatcher.Result> first = batcher.submit(images(1, 1), 1);
        CompletableFuture<DynamicBatcher.Result> second = batcher.submit(images(2, 1), 1);

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> batcher.submit(images(3, 1), 1));

        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription())
                .isEqualTo("inference queue is full (2 requests waiting); retry with backoff");
        assertThat(registry.get("fmnist.inference.rejected.overload").counter().count()).isEqualTo(1);
        forward.gate.countDown();
        assertThat(ids(answer(held))).containsExactly(0);
        assertThat(ids(answer(first))).containsExactly(1);
        assertThat(ids(answer(second))).containsExactly(2);
        assertThat(ids(answer(batcher.submit(images(4, 1), 1)))).as("room again").containsExactly(4);
    }

    @Test
    void queuedImagesAreBoundedBesideQueuedRequests() throws Exception {
        DynamicBatcher batcher = batcher(new Settings(64, 0, 1024, 10, 1, 1));
        CompletableFuture<DynamicBatcher.Result> held = holdWith(batcher, 0);
        CompletableFuture<DynamicBatcher.Result> six = batcher.submit(images(10, 6), 6);
        CompletableFuture<DynamicBatcher.Result> four = batcher.submit(images(20, 4), 4);

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> batcher.submit(images(30, 1), 1));

        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(refused.getStatus().getDescription())
                .isEqualTo("inference queue is full (10 images waiting, at most 10); retry with backoff");
        forward.gate.countDown();
        answer(held);
        assertThat(ids(answer(six))).isEqualTo(range(10, 6));
        assertThat(ids(answer(four))).isEqualTo(range(20, 4));
        assertThat(ids(answer(batcher.submit(images(30, 10), 10)))).isEqualTo(range(30, 10));
    }

    @Test
    void outstandingCountsRequestsFromSubmitUntilAnsweredFailedOrRefused() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(1, 0, 2, 1));
        forward.poison = id -> id == 2;
        CompletableFuture<DynamicBatcher.Result> held = holdWith(batcher, 0);
        assertThat(batcher.queued()).as("taken by the worker: no longer queued").isZero();
        assertThat(batcher.outstanding()).as("but still in its forward pass").isEqualTo(1);
        CompletableFuture<DynamicBatcher.Result> queued = batcher.submit(images(1, 1), 1);
        CompletableFuture<DynamicBatcher.Result> poisoned = batcher.submit(images(2, 1), 1);
        catchThrowableOfType(StatusRuntimeException.class, () -> batcher.submit(images(3, 1), 1));
        assertThat(batcher.outstanding()).as("a refused request is not outstanding").isEqualTo(3);

        // what an answer triggers (shadow scoring) sees its own request done: counted out before completing
        List<Integer> seenByAnswers = Collections.synchronizedList(new ArrayList<>());
        held.thenRun(() -> seenByAnswers.add(batcher.outstanding()));
        forward.gate.countDown();
        answer(held);
        answer(queued);
        assertThat(failure(poisoned).getCode()).isEqualTo(Status.Code.UNKNOWN);
        assertThat(seenByAnswers).containsExactly(2);
        assertThat(batcher.outstanding()).as("answered and failed alike").isZero();

        // a request its client gave up on (a deadline, a disconnect: the future cancelled) is counted out too
        CompletableFuture<DynamicBatcher.Result> abandoned = holdWith(batcher, 6);
        abandoned.cancel(false);
        forward.gate.countDown();
        answer(batcher.submit(images(7, 1), 1));
        assertThat(batcher.outstanding()).as("after a cancelled request was computed").isZero();

        holdWith(batcher, 4);
        CompletableFuture<DynamicBatcher.Result> stopped = batcher.submit(images(5, 1), 1);
        batcher.stop();
        assertThat(failure(stopped).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(batcher.outstanding()).as("the stopped queue's request failed, the running one not yet").isEqualTo(1);
        forward.gate.countDown();
        awaitWorkersGone();
        assertThat(batcher.outstanding()).isZero();
    }

    @Test
    void aFailingForwardPassFailsOnlyItsBatchAndTheBatcherKeepsServing() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(3, 0, 1024, 1));
        forward.poison = id -> id == 13;
        CompletableFuture<DynamicBatcher.Result> held = holdWith(batcher, 0);
        CompletableFuture<DynamicBatcher.Result> a = batcher.submit(images(11, 1), 1);
        CompletableFuture<DynamicBatcher.Result> poisoned = batcher.submit(images(13, 1), 1);
        CompletableFuture<DynamicBatcher.Result> c = batcher.submit(images(12, 1), 1);
        CompletableFuture<DynamicBatcher.Result> after = batcher.submit(images(14, 1), 1);
        forward.gate.countDown();

        assertThat(ids(answer(held))).containsExactly(0);
        for (CompletableFuture<DynamicBatcher.Result> f : List.of(a, poisoned, c)) {
            ExecutionException e = catchThrowableOfType(ExecutionException.class,
                    () -> f.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertThat(e).isNotNull();
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("forward pass failed on [11, 13, 12]");
        }
        assertThat(ids(answer(after))).as("the next batch is served").containsExactly(14);
        assertThat(ids(answer(batcher.submit(images(15, 2), 2)))).isEqualTo(range(15, 2));
        assertThat(forward.sizes()).containsExactly(1, 3, 1, 2);
    }

    @Test
    void stopFailsQueuedRequestsRefusesNewOnesAndLetsTheRunningBatchFinish() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(1, 0, 1024, 1));
        CompletableFuture<DynamicBatcher.Result> running = holdWith(batcher, 0);
        CompletableFuture<DynamicBatcher.Result> queued1 = batcher.submit(images(1, 1), 1);
        CompletableFuture<DynamicBatcher.Result> queued2 = batcher.submit(images(2, 1), 1);

        batcher.stop();

        assertThat(failure(queued1).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(failure(queued2).getDescription()).isEqualTo("server shutting down");
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> batcher.submit(images(3, 1), 1));
        assertThat(refused).as("refused once stopped").isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(running).as("the batch in its forward pass is not cut short").isNotDone();
        forward.gate.countDown();
        assertThat(ids(answer(running))).containsExactly(0);
        assertThat(forward.sizes()).containsExactly(1);
        awaitWorkersGone();
    }

    @Test
    void stopFailsABatchStillGatheringCompany() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(8, TimeUnit.SECONDS.toMicros(60), 1024, 1));
        CompletableFuture<DynamicBatcher.Result> gathering = batcher.submit(images(1, 1), 1);
        CompletableFuture<DynamicBatcher.Result> second = batcher.submit(images(2, 1), 1);

        batcher.stop();

        assertThat(failure(gathering).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(failure(second).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(forward.batches).as("no forward pass for a batch cut short").isEmpty();
        awaitWorkersGone();
    }

    /** The workers end after stop(): a bounded wait on the threads named after this test's model. */
    private static void awaitWorkersGone() throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("test-worker-") || t.getName().equals("test-patient")) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                if (t.isAlive()) {
                    throw new TimeoutException(t.getName() + " still running after stop()");
                }
            }
        }
    }

    @Test
    void manyConcurrentSubmittersAgainstStopEachGetAnAnswerOrARefusal() throws Exception {
        DynamicBatcher batcher = batcher(Settings.of(4, 0, 64, 2));
        int submitters = 6;
        CyclicBarrier start = new CyclicBarrier(submitters + 1);
        ExecutorService pool = Executors.newFixedThreadPool(submitters);
        List<CompletableFuture<DynamicBatcher.Result>> accepted = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger refused = new AtomicInteger();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int s = 0; s < submitters; s++) {
                int submitter = s;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < 2000; r++) {
                        try {
                            accepted.add(batcher.submit(images(submitter * 10_000 + r, 1), 1));
                        } catch (StatusRuntimeException e) {
                            refused.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            start.await();
            batcher.stop();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // no request is left hanging: each accepted one is answered or failed
        CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).handle((v, e) -> null)
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(accepted.size() + refused.get()).isEqualTo(submitters * 2000);
    }
}
