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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Coalesces concurrent requests into one forward pass. A worker takes the oldest request, then keeps
 * taking more until the batch holds {@code max-batch} images or the oldest has waited
 * {@code max-delay-micros}; the whole batch runs on one model, so every answer names the version
 * that computed it. The queue is bounded: when it is full a request is refused at once with
 * RESOURCE_EXHAUSTED instead of waiting ever longer. Workers are dedicated threads, one per core by
 * default, so forward passes never run on the gRPC event loop; an idle one is woken
 * last-in-first-out ({@link IdleWorkers}), so a trickle of requests is served by one warm worker. Each served model has its own batcher
 * (queue, workers, metrics under its {@code model} tag, {@link InferenceStats}).
 *
 * <p>Work nobody waits on (shadow scoring) is patient ({@link #submitPatient}): it has a lane of its
 * own, a small queue and one thread started at its first use, where each batch waits up to the work's
 * own delay for more, so shadow images share forward passes instead of each paying a batch-1 pass.
 * Clients' requests never queue behind it or share its passes, and it is not load ({@link #busy})
 * until its pass computes.
 */
public final class DynamicBatcher {

    private static final Logger LOG = Logger.getLogger(DynamicBatcher.class);

    /**
     * Longest a patient request may wait for company: under the 2 s a retired challenger is given to
     * answer what it holds ({@code ModelSlot}), so retiring one never fails shadow work still gathering.
     */
    public static final long MAX_PATIENCE_MICROS = 1_000_000;
    /** The patient lane holds this many batches' worth of images: shadow work beyond it is refused, not piled up. */
    private static final int PATIENT_BATCHES = 4;

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
     * {@code loaded}: counted in {@link #load}, from its submission (a client's) or its pass (patient work) until it ends.
     */
    private record Pending(float[] pixels, int count, CompletableFuture<Result> answer, long enqueuedNanos,
            long deadlineNanos, AtomicBoolean finished, AtomicBoolean loaded) {}

    /** A bounded queue (requests and images) and the threads that take batches from it. */
    private record Lane(BlockingQueue<Pending> queue, ImageBudget budget, List<Thread> threads) {

        static Lane of(int capacity, long images) {
            // copy-on-write: the patient lane's thread is added once, at its first use, and read by every submit
            return new Lane(new ArrayBlockingQueue<>(capacity), new ImageBudget(images), new CopyOnWriteArrayList<>());
        }

        /** Empties the queue, giving back each request's room, and hands each to {@code failed}. */
        void drain(Consumer<Pending> failed) {
            for (Pending p = queue.poll(); p != null; p = queue.poll()) {
                budget.release(p.count());
                failed.accept(p);
            }
        }
    }

    private final String model;
    private final LiveModel live;
    private final ForwardPass forward;
    private final InferenceStats stats;
    private final int maxBatch;
    private final long maxDelayMicros;
    private final int queueCapacity;

    private final Lane clients;
    /** The clients' lane's idle workers: a request wakes the one that went idle last. */
    private final IdleWorkers idleClientWorkers = new IdleWorkers();
    private final Lane patient;
    private volatile boolean running = true;
    private final ModelMeters meters;
    /** Requests taken and not yet answered, queued or computing, patient work included. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Clients' requests taken and not yet answered, and patient work in a pass: what {@link #busy} reads. */
    private final AtomicInteger load = new AtomicInteger();

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
        clients = Lane.of(InferenceConfig.atLeastOne("fmnist.serving.batching.queue-capacity", queueCapacity),
                settings.maxQueuedImages());
        int patientImages = (int) Math.min(Integer.MAX_VALUE, (long) Math.max(1, maxBatch) * PATIENT_BATCHES);
        patient = Lane.of(Math.max(1, Math.min(queueCapacity, patientImages)), patientImages);
        int count = settings.workers() > 0 ? settings.workers() : Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < count; i++) {
            // the model first: Linux keeps 15 characters of a thread's name, and per-thread CPU
            // (top -H, /proc) then still tells a champion's workers from its challenger's
            start(clients, model + "-worker-" + i);
        }
        LOG.infof("%s: dynamic batching with %d workers, batches up to %d images, %d us delay, queue of %d", model,
                count, maxBatch, maxDelayMicros, queueCapacity);
    }

    private void start(Lane lane, String name) {
        Thread worker = new Thread(() -> work(lane), name);
        worker.setDaemon(true);
        worker.start(); // listed once started: a thread that failed to start would keep the patient lane from ever having one
        lane.threads().add(worker);
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

    /** Threads serving clients' requests (the patient lane's is not one of them). */
    public int workers() {
        return clients.threads().size();
    }

    /** Clients' workers on the idle stack now: parked, or about to park or to return with a request (for tests). */
    int idleWorkers() {
        return idleClientWorkers.size();
    }

    /** Clients' requests waiting for a worker now (not those a worker holds while it gathers a batch). */
    public int queued() {
        return clients.queue().size();
    }

    /** Requests taken and not yet answered, patient work included: queued, gathering company or in a forward pass. */
    public int outstanding() {
        return outstanding.get();
    }

    /**
     * Whether a client's request is queued or being computed, or a patient pass is computing, now:
     * what shadow scoring reads to tell a busy replica from an idle one. Unlike the queue's size, which
     * is zero for an instant after every batch a worker takes, this holds while clients keep requests in
     * flight; patient work still gathering company is not load.
     */
    public boolean busy() {
        return load.get() > 0;
    }

    /** Refuses new requests and fails the queued ones with UNAVAILABLE; a batch already computing finishes. */
    void stop() {
        running = false;
        synchronized (patient) { // after this no patient thread starts
            patient.threads().forEach(Thread::interrupt);
        }
        clients.threads().forEach(Thread::interrupt);
        clients.drain(p -> fail(p, shuttingDown()));
        patient.drain(p -> fail(p, shuttingDown()));
    }

    private static RuntimeException shuttingDown() {
        return Status.UNAVAILABLE.withDescription("server shutting down").asRuntimeException();
    }

    /** Queues {@code count} images (784 floats each); RESOURCE_EXHAUSTED at once when the queue is full. */
    public CompletableFuture<Result> submit(float[] pixels, int count) {
        return submit(clients, pixels, count, maxDelayMicros);
    }

    /**
     * Queues work whose answer nobody waits for in the patient lane, where its batch waits up to
     * {@code maxDelayMicros} (0 to {@link #MAX_PATIENCE_MICROS}) for more. RESOURCE_EXHAUSTED at once
     * when the lane holds {@value #PATIENT_BATCHES} batches' worth already; not counted as a client's refusal.
     */
    public CompletableFuture<Result> submitPatient(float[] pixels, int count, long maxDelayMicros) {
        if (maxDelayMicros < 0 || maxDelayMicros > MAX_PATIENCE_MICROS) {
            throw new IllegalArgumentException("maxDelayMicros: expected 0 to " + MAX_PATIENCE_MICROS + ", got "
                    + maxDelayMicros);
        }
        if (running && patient.threads().isEmpty()) {
            synchronized (patient) {
                if (running && patient.threads().isEmpty()) {
                    start(patient, model + "-patient");
                }
            }
        }
        return submit(patient, pixels, count, maxDelayMicros);
    }

    private CompletableFuture<Result> submit(Lane lane, float[] pixels, int count, long delayMicros) {
        if (!running) {
            throw shuttingDown();
        }
        boolean client = lane == clients;
        long now = System.nanoTime();
        Pending pending = new Pending(pixels, count, new CompletableFuture<>(), now,
                now + TimeUnit.MICROSECONDS.toNanos(delayMicros), new AtomicBoolean(), new AtomicBoolean(client));
        if (!lane.budget().tryAcquire(count)) {
            throw refused(client, "inference queue is full (" + lane.budget().waiting() + " images waiting, at most "
                    + lane.budget().capacity() + "); retry with backoff");
        }
        outstanding.incrementAndGet();
        if (client) {
            load.incrementAndGet();
        }
        if (!lane.queue().offer(pending)) {
            lane.budget().release(count);
            end(pending);
            throw refused(client, "inference queue is full (" + (lane.queue().size() + lane.queue().remainingCapacity())
                    + " requests waiting); retry with backoff");
        }
        if (!running && lane.queue().remove(pending)) { // stop() emptied the queue before this one was in it
            lane.budget().release(count);
            end(pending);
            throw shuttingDown();
        }
        if (client) {
            idleClientWorkers.wakeOne();
        }
        return pending.answer();
    }

    /** RESOURCE_EXHAUSTED; a client's refusal is counted as overload (patient work's by whoever submitted it). */
    private RuntimeException refused(boolean client, String why) {
        if (client) {
            meters.overloaded(liveVersion());
            stats.failure(liveVersion(), 0);
        }
        return Status.RESOURCE_EXHAUSTED.withDescription(why).asRuntimeException();
    }

    private void work(Lane lane) {
        // taken from the queue but over max-batch beside the batch it was taken for: it opens the next one
        Pending carried = null;
        while (running) {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending first = carried;
                carried = null;
                if (first == null) {
                    first = lane == clients ? idleClientWorkers.take(lane.queue()) : lane.queue().take();
                    lane.budget().release(first.count());
                }
                batch.add(first);
                int images = first.count();
                long deadline = first.deadlineNanos();
                while (images < maxBatch) {
                    // with no delay budget left this only takes what is already queued: under load,
                    // requests pile up while a batch computes, so batches form without added latency
                    Pending next = lane.queue().poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    lane.budget().release(next.count());
                    if (images + next.count() > maxBatch) {
                        carried = next;
                        break;
                    }
                    batch.add(next);
                    images += next.count();
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
            end(p);
            p.answer().complete(result); // a no-op when the client cancelled it: still counted out
        }
    }

    private void fail(Pending p, Throwable why) {
        if (p.finished().compareAndSet(false, true)) {
            end(p);
            p.answer().completeExceptionally(why);
        }
    }

    /** Counts {@code p} out: of {@link #outstanding}, and of {@link #load} if it was counted there. */
    private void end(Pending p) {
        outstanding.decrementAndGet();
        if (p.loaded().compareAndSet(true, false)) {
            load.decrementAndGet();
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
            if (p.loaded().compareAndSet(false, true)) { // patient work computing is load (a batch's requests are its worker's alone)
                load.incrementAndGet();
            } else {
                // the queue-wait histogram is the clients': a shadow image's chosen wait would read as their latency
                meters.queued(start - p.enqueuedNanos());
            }
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
