package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.inference.config.InferenceConfig;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Coalesces concurrent requests into one forward pass. A worker takes the oldest request, then keeps
 * taking more until the batch holds {@code max-batch} images or the oldest has waited
 * {@code max-delay-micros}; the whole batch runs on one model, so every answer names the version
 * that computed it. The queue is bounded: when it is full a request is refused at once with
 * RESOURCE_EXHAUSTED instead of waiting ever longer. Workers are dedicated threads, one per core by
 * default, so forward passes never run on the gRPC event loop.
 */
@ApplicationScoped
public class DynamicBatcher {

    private static final Logger LOG = Logger.getLogger(DynamicBatcher.class);

    /** What a request gets back: its rows of probabilities and the model that computed them. */
    public record Result(float[][] probabilities, ModelManifest model) {}

    private record Pending(float[] pixels, int count, CompletableFuture<Result> answer, long enqueuedNanos) {}

    @Inject
    LiveModel live;

    @Inject
    MeterRegistry registry;

    @Inject
    InferenceConfig config;

    private int maxBatch;
    private long maxDelayMicros;
    private int queueCapacity;
    private ImageBudget budget;

    private BlockingQueue<Pending> queue;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    private DistributionSummary batchSizes;
    private Timer queueWait;
    private Timer compute;
    private Counter overloadRejections;

    @PostConstruct
    void start() {
        InferenceConfig.Batching settings = config.serving().batching();
        maxBatch = settings.maxBatch();
        maxDelayMicros = settings.maxDelayMicros();
        queueCapacity = settings.queueCapacity();
        budget = new ImageBudget(settings.maxQueuedImages());
        queue = new ArrayBlockingQueue<>(InferenceConfig.atLeastOne("fmnist.serving.batching.queue-capacity",
                queueCapacity));
        batchSizes = DistributionSummary.builder("fmnist.inference.batch.size").description("images per forward pass")
                .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024).register(registry);
        queueWait = Timer.builder("fmnist.inference.queue.wait").description("time from arrival to forward pass")
                .publishPercentileHistogram().register(registry);
        compute = Timer.builder("fmnist.inference.compute").description("forward pass of one batch")
                .publishPercentileHistogram().register(registry);
        // registered at start, so dashboards and alerts see 0 rather than no series at all
        overloadRejections = Counter.builder("fmnist.inference.rejected.overload")
                .description("requests refused with RESOURCE_EXHAUSTED because the queue was full").register(registry);
        int count = settings.workers() > 0 ? settings.workers() : Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < count; i++) {
            Thread worker = new Thread(this::work, "inference-worker-" + i);
            worker.setDaemon(true);
            worker.start();
            threads.add(worker);
        }
        LOG.infof("dynamic batching: %d workers, batches up to %d images, %d us delay, queue of %d", count, maxBatch,
                maxDelayMicros, queueCapacity);
    }

    @PreDestroy
    void stop() {
        running = false;
        threads.forEach(Thread::interrupt);
    }

    /** Queues {@code count} images (784 floats each); RESOURCE_EXHAUSTED at once when the queue is full. */
    public CompletableFuture<Result> submit(float[] pixels, int count) {
        Pending pending = new Pending(pixels, count, new CompletableFuture<>(), System.nanoTime());
        if (!budget.tryAcquire(count)) {
            overloadRejections.increment();
            throw Status.RESOURCE_EXHAUSTED.withDescription("inference queue is full (" + budget.waiting()
                    + " images waiting, at most " + budget.capacity() + "); retry with backoff").asRuntimeException();
        }
        if (!queue.offer(pending)) {
            budget.release(count);
            overloadRejections.increment();
            throw Status.RESOURCE_EXHAUSTED.withDescription("inference queue is full (" + queueCapacity
                    + " requests waiting); retry with backoff").asRuntimeException();
        }
        return pending.answer();
    }

    private void work() {
        while (running) {
            List<Pending> batch = new ArrayList<>();
            try {
                Pending first = queue.take();
                budget.release(first.count());
                batch.add(first);
                int images = first.count();
                long deadline = first.enqueuedNanos() + TimeUnit.MICROSECONDS.toNanos(maxDelayMicros);
                while (images < maxBatch) {
                    // with no delay budget left this only takes what is already queued: under load,
                    // requests pile up while a batch computes, so batches form without added latency
                    Pending next = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    if (next == null) {
                        break;
                    }
                    budget.release(next.count());
                    batch.add(next);
                    images += next.count();
                }
                run(batch, images);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                batch.forEach(p -> p.answer().completeExceptionally(
                        Status.UNAVAILABLE.withDescription("server shutting down").asRuntimeException()));
                return;
            }
        }
    }

    private void run(List<Pending> batch, int images) {
        long start = System.nanoTime();
        batch.forEach(p -> queueWait.record(start - p.enqueuedNanos(), TimeUnit.NANOSECONDS));
        try {
            float[] pixels = new float[images * FashionMnist.PIXELS];
            int offset = 0;
            for (Pending p : batch) {
                System.arraycopy(p.pixels(), 0, pixels, offset, p.pixels().length);
                offset += p.pixels().length;
            }
            Result all = live.use(model -> new Result(model.predict(pixels, images), model.manifest()));
            compute.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
            batchSizes.record(images);
            int row = 0;
            for (Pending p : batch) {
                float[][] mine = new float[p.count()][];
                System.arraycopy(all.probabilities(), row, mine, 0, p.count());
                row += p.count();
                p.answer().complete(new Result(mine, all.model()));
            }
        } catch (RuntimeException e) {
            batch.forEach(p -> p.answer().completeExceptionally(e));
        }
    }
}
