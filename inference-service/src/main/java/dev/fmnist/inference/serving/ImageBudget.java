package dev.fmnist.inference.serving;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many images may wait for a forward pass at once, so the queue is bounded in memory (784 floats
 * an image) and not only in requests: 1024 queued ClassifyBatch calls of 1024 images would otherwise
 * hold over 3 GB. One request is always admitted when nothing waits, however large, so the largest
 * allowed batch never starves.
 */
final class ImageBudget {

    private final long capacity;
    private final AtomicLong waiting = new AtomicLong();

    ImageBudget(long capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("max-queued-images: must be at least 1, got " + capacity);
        }
        this.capacity = capacity;
    }

    /** Takes room for {@code images}; false, taking nothing, when they do not fit beside what waits. */
    boolean tryAcquire(int images) {
        long after = waiting.addAndGet(images);
        if (after > capacity && after != images) {
            waiting.addAndGet(-images);
            return false;
        }
        return true;
    }

    /** Gives back the room of {@code images} that left the queue. */
    void release(int images) {
        waiting.addAndGet(-images);
    }

    long waiting() {
        return waiting.get();
    }

    long capacity() {
        return capacity;
    }
}
