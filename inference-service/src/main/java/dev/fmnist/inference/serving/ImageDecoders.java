package dev.fmnist.inference.serving;

import dev.fmnist.inference.config.InferenceConfig;
import io.grpc.Status;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The threads that decode encoded images, so that no image is ever decoded on the gRPC event loop: the
 * worst request then costs its sender a decoder, not every other client their I/O. Bounded both ways:
 * a fixed number of threads and a fixed queue, beyond which RESOURCE_EXHAUSTED comes at once.
 */
@ApplicationScoped
public class ImageDecoders {

    @Inject
    InferenceConfig config;

    private ThreadPoolExecutor pool;

    @PostConstruct
    void start() {
        InferenceConfig.Images images = config.serving().images();
        int threads = images.decodeWorkers() > 0 ? images.decodeWorkers() : Runtime.getRuntime().availableProcessors();
        AtomicInteger n = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(InferenceConfig.atLeastOne("fmnist.serving.images.decode-queue-capacity",
                        images.decodeQueueCapacity())), task -> {
                    Thread thread = new Thread(task, "image-decoder-" + n.getAndIncrement());
                    thread.setDaemon(true);
                    return thread;
                });
    }

    @PreDestroy
    void stop() {
        pool.shutdownNow();
    }

    /** The largest side an encoded image may declare. */
    public int maxSide() {
        return config.serving().images().maxSide();
    }

    /** Runs {@code decode} on a decoder; RESOURCE_EXHAUSTED when every decoder is busy and the queue is full. */
    public <T> CompletionStage<T> submit(Supplier<T> decode) {
        try {
            return CompletableFuture.supplyAsync(decode, pool);
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(Status.RESOURCE_EXHAUSTED.withDescription("image decoding queue is full ("
                    + config.serving().images().decodeQueueCapacity() + " requests waiting); retry with backoff")
                    .asRuntimeException());
        }
    }
}
