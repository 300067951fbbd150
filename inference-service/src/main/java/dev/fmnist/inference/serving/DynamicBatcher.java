package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.metrics.FailureReason;
import dev.fmnist.inference.metrics.ModelMeters;
import dev.fmnist.inference.metrics.TritonCounters;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * Coalesces concurrent requests into one forward pass. A worker takes the oldest request, then keeps
 * taking more until the batch holds {@code max-batch} images or the oldest has waited
 * {@code max-delay-micros}; the whole batch runs on one model, so every answer names the version
 * that computed it. The queue is bounded: when it is full a request is refused at once with
 * RESOURCE_EXHAUSTED instead of waiting ever longer. Workers are dedicated threads, one per core by
 * default, so forward passes never run on the gRPC event loop. Each served model has its own batcher
 * (queue, workers, metrics under its {@code model} tag, {@link InferenceStats}).
 *
 * <p>Work nobody waits on (shadow scoring) is submitted patient ({@link #submitPatient}): it may wait
 * longer for company than the batcher's own delay, so under load shadow images share forward passes
 * instead of each paying a batch-1 pass, and while it waits it does not make the model {@link #busy}.
 * A batch closes at the earliest deadline of what it holds: a client's request that joins patient work
 * runs at once and takes that work with it.
 */
public final class DynamicBatcher {

    private static final Logger LOG = Logger.getLogger(DynamicBatcher.class);

    /** What a request gets back: its rows of probabilities and the model that computed them. */
    public record Result(float[][] probabilities, ModelManifest model) {}

    /** One forward pass over {@code images} images of 784 floats each: their rows, and the model that computed them. */
    @FunctionalInterface
    interface ForwardPass {
        Result run(float[] pixels, int images);
    }

    /**
     * {@code deadlineNanos}: when its batch must run at the latest. {@code finished}: counted out of
     * {@link #outstanding}, once, by whoever ends it (the client may cancel the future first).
     * {@code waiting}: set for patient work until its batch runs or it ends, counted in {@link #patientWaiting}.
     */
    private record Pending(float[] pixels, int count, CompletableFuture<Result> answer, long enqueuedNanos,
            long deadlineNanos, AtomicBoolean finished, AtomicBoolean waiting) {}

    private final String model;
    private final LiveModel live;
    private final ForwardPass forward;
    private final InferenceStats stats;
    private final int maxBatch;
    private final long maxDelayMicros;
    private final int queueCapacity;
    private final ImageBudget budget;

    private final BlockingQueue<Pending> queue;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private final ModelMeters meters;
    /** Requests taken and not yet answered (queued or computing): whether this model is busy right now. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Patient requests among {@link #outstanding} whose batch has not started: queued work, not load. */
    private final AtomicInteger patientWaiting = new AtomicInteger();

    /** Starts the workers of {@code model}'s batcher; it records into {@code meters} and {@code stats}. */
    public DynamicBatcher(String model, LiveModel live, InferenceStats stats, InferenceConfig.Batching settings,
            ModelMeters meters) {
        this(model, live, (pixels, images) -> live.use(served -> new Result(served.predict(pixels, images),
                served.manifest())), stats, settings, meters);
    }

    /** {@code forward}: the pass each batch runs (the live model's; a test's own in the tests). */
    DynamicBatcher(String model, LiveModel live, ForwardPass forward, InferenceStats stats,
            InferenceConfig.Batching settings, ModelMeters meters) {
        this.model = model;
        this.live = live;
        this.forward = forward;
        this.stats = stats;
        this.meters = meters;
        maxBatch = settings.maxBatch();
        maxDelayMicros = settings.maxDelayMicros();
        queueCapacity = settings.queueCapacity();
        budget = new ImageBudget(settings.maxQueuedImages());
        queue = new ArrayBlockingQueue<>(InferenceConfig.atLeastOne("fmnist.serving.batching.queue-capacity",
                queueCapacity));
        int count = settings.workers() > 0 ? settings.workers() : Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < count; i++) {
            // the model first: Linux keeps 15 characters of a thread's name, and per-thread CPU
            // (top -H, /proc) then still tells a champion's workers from its challenger's
            Thread worker = new Thread(this::work, model + "-worker-" + i);
            worker.setDaemon(true);
            worker.start();
            threads.add(worker);
        }
        LOG.infof("%s: dynamic batching with %d workers, batches up to %d images, %d us delay, queue of %d", model,
                count, maxBatch, maxDelayMicros, queueCapacity);
    }

    /** Images per forward pass at most. */
    public int maxBatch() {
        return maxBatch;
    }

    public long maxDelayMicros() {
        return maxDelayMicros;
    }

    public int queueCapacity() {
        return queueCapacity;
    }

    public int workers() {
        return threads.size();
    }

    /** Requests waiting for a worker now (not those a worker holds while it gathers a batch). */
    public int queued() {
        return queue.size();
    }

    /**
     * Requests taken and not yet answered, queued or in a forward pass now. Unlike {@link #queued}, which
     * is zero for an instant after every batch a worker takes, this stays above zero as long as clients
     * keep requests in flight: shadow scoring reads it to tell a busy replica from an idle one.
     */
    public int outstanding() {
        return outstanding.get();
    }

    /**
     * Whether a request someone waits for is queued or a forward pass is computing now: what shadow
     * scoring reads to tell a busy replica from an idle one. Patient work still gathering company is
     * not load yet.
     */
    public boolean busy() {
        return outstanding.get() > patientWaiting.get();
    }

    /** Refuses new requests and fails the queued ones with UNAVAILABLE; a batch already computing finishes. */
    void stop() {
        running = false;
        threads.forEach(Thread::interrupt);
        for (Pending p = queue.poll(); p != null; p = queue.poll()) {
            budget.release(p.count());
            fail(p, shuttingDown());
        }
    }

    private static RuntimeException shuttingDown() {
        return Status.UNAVAILABLE.withDescription("server shutting down").asRuntimeException();
    }

    /** Queues {@code count} images (784 floats each); RESOURCE_EXHAUSTED at once when the queue is full. */
    public CompletableFuture<Result> submit(float[] pixels, int count) {
        return submit(pixels, count, maxDelayMicros, false);
    }

    /**
     * Queues work whose answer nobody waits for: it may wait up to {@code maxDelayMicros} (at least the
     * batcher's own delay) for other requests to share its forward pass. Refused like {@link #submit}.
     */
    public CompletableFuture<Result> submitPatient(float[] pixels, int count, long maxDelayMicros) {
        if (maxDelayMicros < 0) {
            throw new IllegalArgumentException("maxDelayMicros must be at least 0, was " + maxDelayMicros);
        }
        return submit(pixels, count, Math.max(maxDelayMicros, this.maxDelayMicros), true);
    }

    private CompletableFuture<Result> submit(float[] pixels, int count, long delayMicros, boolean patient) {
        if (!running) {
            throw shuttingDown();
        }
        long now = System.nanoTime();
        Pending pending = new Pending(pixels, count, new CompletableFuture<>(), now,
                now + TimeUnit.MICROSECONDS.toNanos(delayMicros), new AtomicBoolean(), new AtomicBoolean(patient));
        if (!budget.tryAcquire(count)) {
            meters.overloaded(liveVersion());
            stats.failure(liveVersion(), 0);
            throw Status.RESOURCE_EXHAUSTED.withDescription("inference queue is full (" + budget.waiting()
                    + " images waiting, at most " + budget.capacity() + "); retry with backoff").asRuntimeException();
        }
        // patient work is counted waiting before it is counted outstanding, and out after: never load, even for an instant
        if (patient) {
            patientWaiting.incrementAndGet();
        }
        outstanding.incrementAndGet();
        if (!queue.offer(pending)) {
            outstanding.decrementAndGet();
            stopWaiting(pending);
            budget.release(count);
            meters.overloaded(liveVersion());
            stats.failure(liveVersion(), 0);
            throw Status.RESOURCE_EXHAUSTED.withDescription("inference queue is full (" + queueCapacity
                    + " requests waiting); retry with backoff").asRuntimeException();
        }
        if (!running && queue.remove(pending)) { // stop() emptied the queue before this one was in it
            outstanding.decrementAndGet();
            stopWaiting(pending);
            budget.release(count);
            throw shuttingDown();
        }
        return pending.answer();
    }

    private void work() {
        // taken from the queue but over max-batch beside the batch it was taken for: it opens the next one
        Pending carried = null;
        while (running) {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending first = carried;
                carried = null;
                if (first == null) {
                    first = queue.take();
                    budget.release(first.count());
                }
                batch.add(first);
                int images = first.count();
                long deadline = first.deadlineNanos();
                while (images < maxBatch) {
                    // with no delay budget left this only takes what is already queued: under load,
                    // requests pile up while a batch computes, so batches form without added latency
                    Pending next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    budget.release(next.count());
                    if (images + next.count() > maxBatch) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
                    images += next.count();
                    deadline = Math.min(deadline, next.deadlineNanos()); // a client's request does not wait for patient work
                }
                run(batch, images);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.forEach(p -> fail(p, shuttingDown()));
                break;
            }
        }
        if (carried != null) {
            fail(carried, shuttingDown());
        }
    }

    /** Each request is answered once, by one thread: counted out of {@link #outstanding} before what its answer triggers runs. */
    private void answer(Pending p, Result result) {
        if (p.finished().compareAndSet(false, true)) {
            outstanding.decrementAndGet();
            stopWaiting(p);
            p.answer().complete(result); // a no-op when the client cancelled it: still counted out
        }
    }

    private void fail(Pending p, Throwable why) {
        if (p.finished().compareAndSet(false, true)) {
            outstanding.decrementAndGet();
            stopWaiting(p);
            p.answer().completeExceptionally(why);
        }
    }

    /** Patient work leaves {@link #patientWaiting} once: when its batch starts, or when it ends without one. */
    private void stopWaiting(Pending p) {
        if (p.waiting().compareAndSet(true, false)) {
            patientWaiting.decrementAndGet();
        }
    }

    private String liveVersion() {
        return live.peek().map(m -> m.manifest().version()).orElse("");
    }

    /**
     * One forward pass for the whole batch. Each phase is measured once and recorded in the meters,
     * in Triton's counters and in the Triton statistics, so the three agree.
     */
    private void run(List<Pending> batch, int images) {
        long start = System.nanoTime();
        batch.forEach(p -> {
            stopWaiting(p);
            meters.queued(start - p.enqueuedNanos());
        });
        try {
            float[] pixels = new float[images * FashionMnist.PIXELS];
            int offset = 0;
            for (Pending p : batch) {
                System.arraycopy(p.pixels(), 0, pixels, offset, p.pixels().length);
                offset += p.pixels().length;
            }
            long gathered = System.nanoTime();
            Result all = forward.run(pixels, images);
            long computed = System.nanoTime();
            meters.computed(images, computed - start);
            int row = 0;
            Result[] answers = new Result[batch.size()];
            for (int i = 0; i < answers.length; i++) {
                Pending p = batch.get(i);
                float[][] mine = new float[p.count()][];
                System.arraycopy(all.probabilities(), row, mine, 0, p.count());
                row += p.count();
                answers[i] = new Result(mine, all.model());
            }
            long split = System.nanoTime();
            String version = all.model().version();
            stats.execution(version, images, gathered - start, computed - gathered, split - computed);
            TritonCounters triton = meters.version(version);
            triton.executed();
            for (int i = 0; i < answers.length; i++) {
                Pending p = batch.get(i);
                stats.success(version, p.count(), start - p.enqueuedNanos(), split - p.enqueuedNanos());
                triton.answered(p.count(), start - p.enqueuedNanos(), computed - gathered, split - p.enqueuedNanos());
                answer(p, answers[i]);
            }
        } catch (RuntimeException | Error e) { // an Error too: no request of the batch stays outstanding
            long end = System.nanoTime();
            String version = liveVersion();
            batch.forEach(p -> {
                stats.failure(version, end - p.enqueuedNanos());
                meters.failed(version, FailureReason.BACKEND);
                fail(p, e);
            });
        }
    }
}
