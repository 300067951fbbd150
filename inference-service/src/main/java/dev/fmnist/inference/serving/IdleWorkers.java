package dev.fmnist.inference.serving;

import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * A lane's idle workers, the last one to go idle woken first. A blocking queue's {@code take} wakes the
 * worker that has waited longest: at concurrency 1 with two workers they take requests in turn, and
 * each pass runs on the thread (often the core) that did not run the one before, most likely with its
 * caches cold. Woken last-in-first-out, one worker serves a steady trickle while the others stay
 * parked; when every worker is busy none is idle and the order plays no part. Measured: BENCHMARKS,
 * "The LIFO hand-off".
 *
 * <p>A worker pushes itself on the stack, looks at the queue once more, then parks; a submitter queues
 * its request, then pops and unparks the top worker. Whichever comes second sees the other's step, so
 * a request is never left queued with every worker parked.
 */
final class IdleWorkers {

    private final Deque<Thread> idle = new ConcurrentLinkedDeque<>();

    /**
     * The head of {@code queue}, waiting for one with the calling worker on top of the idle stack.
     * Interrupted (the batcher stopping): an {@link InterruptedException}, the flag cleared.
     */
    <T> T take(BlockingQueue<T> queue) throws InterruptedException {
        Thread me = Thread.currentThread();
        T head = queue.poll();
        while (head == null) {
            idle.push(me);
            head = queue.poll(); // queued between the first look and the push: its submitter may have woken nobody
            if (head != null) {
                if (!idle.remove(me)) {
                    wakeOne(); // a submitter popped this worker for its request meanwhile: that wake goes on
                }
                return head;
            }
            LockSupport.park(this);
            idle.remove(me); // a no-op when a submitter popped it
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            head = queue.poll(); // woken for a request another worker may have taken first: then park again
        }
        return head;
    }

    /** Workers on the stack now: parked, or about to park. */
    int size() {
        return idle.size();
    }

    /** Wakes the worker that went idle last, if any is idle: called once a request is queued. */
    void wakeOne() {
        Thread worker = idle.poll();
        if (worker != null) {
            LockSupport.unpark(worker);
        }
    }
}
