package dev.fmnist.inference.predictions;

import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.inference.predictions.PredictionMetrics.DropReason;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Records waiting for the producer, at most {@code capacity} of them, drained by one thread into one
 * Kafka producer. {@link #offer} never blocks: beyond the capacity a request's records are dropped and
 * counted, so a slow or absent broker costs serving nothing but the records. The drainer makes the
 * records and their JSON, off the request path; whatever is not written is counted by reason.
 */
final class PredictionBuffer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(PredictionBuffer.class);
    /** A failure to write is logged at most this often (each one is counted). */
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
    /**
     * How often the drainer takes what the requests left. Requests only add to a lock-free queue and
     * never wake it (a wake-up per answered image was a system call and a context switch each, on the
     * request path); a record waits at most this long, half the producer's own linger. Each pass starts
     * with cold caches (the forward passes ran in between), and an idle replica pays for every wake-up,
     * so few, long passes make each record cheaper: at 5 ms the drainer took 24 us a record over a
     * benchmark run, of which a record's own making, JSON and send take about 3 us hot.
     */
    private static final long DRAIN_EVERY_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    /** What the buffer holds: a request's records, made by the drainer. */
    interface Entry {
        /** The served model the records are of. */
        String model();

        /** How many records. */
        int size();

        /** Record {@code i}; an {@link IllegalArgumentException} when it cannot be made. */
        PredictionRecord record(int i);
    }

    /** A record already made. */
    record Made(PredictionRecord record) implements Entry {
        @Override
        public String model() {
            return record.model();
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public PredictionRecord record(int i) {
            return record;
        }
    }

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final int capacity;
    private final PredictionMetrics metrics;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    /** Records in the queue: the bound, counted in records rather than entries. */
    private final AtomicInteger waiting = new AtomicInteger();
    private final Thread drainer;
    private volatile boolean closing;
    private volatile long lastWarning = System.nanoTime() - WARN_EVERY_NANOS;

    PredictionBuffer(Producer<String, byte[]> producer, String topic, int capacity, PredictionMetrics metrics) {
        if (capacity < 1) {
            throw new IllegalArgumentException("fmnist.predictions.buffer: must be at least 1, got " + capacity);
        }
        this.producer = producer;
        this.topic = topic;
        this.capacity = capacity;
        this.metrics = metrics;
        drainer = new Thread(this::drain, "prediction-log");
        drainer.setDaemon(true);
        drainer.start();
    }

    /** Queues {@code entry}'s records if they fit; false, and counted as dropped, if not. Never blocks. */
    boolean offer(Entry entry) {
        int size = entry.size();
        int now;
        do {
            now = waiting.get();
            if (closing || now + size > capacity) {
                metrics.dropped(entry.model(), DropReason.BUFFER, size);
                return false;
            }
        } while (!waiting.compareAndSet(now, now + size));
        queue.add(entry);
        if (closing && queue.remove(entry)) { // closed meanwhile: the drainer's last pass may be over
            waiting.addAndGet(-size);
            metrics.dropped(entry.model(), DropReason.BUFFER, size);
            return false;
        }
        return true;
    }

    /** Records waiting for the producer now. */
    int waiting() {
        return waiting.get();
    }

    private void drain() {
        while (!Thread.currentThread().isInterrupted()) {
            boolean last = closing; // read first: what was queued before it was set is sent by this pass
            for (Entry entry = queue.poll(); entry != null; entry = queue.poll()) {
                send(entry);
            }
            if (last) {
                break;
            }
            LockSupport.parkNanos(this, DRAIN_EVERY_NANOS);
        }
        dropLeft();
    }

    private void send(Entry entry) {
        String model = entry.model();
        try {
            for (int i = 0; i < entry.size(); i++) {
                PredictionRecord record;
                try {
                    record = entry.record(i);
                } catch (IllegalArgumentException e) {
                    metrics.dropped(model, DropReason.INVALID, 1);
                    warn("prediction log: a record of %s could not be made: %s", model, e.getMessage());
                    continue;
                }
                try {
                    producer.send(new ProducerRecord<>(topic, record.predictionId(), record.toJson()), (m, e) -> {
                        if (e == null) {
                            metrics.logged(model, 1);
                        } else {
                            metrics.dropped(model, DropReason.PRODUCER, 1);
                            warn("prediction log: a record of %s was not written: %s", model, e.toString());
                        }
                    });
                } catch (RuntimeException e) { // metadata not had within max.block.ms, the producer closed, ...
                    metrics.dropped(model, DropReason.PRODUCER, 1);
                    warn("prediction log: a record of %s was not written: %s", model, e.toString());
                    if (Thread.currentThread().isInterrupted()) {
                        metrics.dropped(model, DropReason.PRODUCER, entry.size() - i - 1);
                        return;
                    }
                }
            }
        } finally {
            waiting.addAndGet(-entry.size());
        }
    }

    private void warn(String format, String model, String why) {
        long now = System.nanoTime();
        if (now - lastWarning >= WARN_EVERY_NANOS) {
            lastWarning = now;
            LOG.warnf(format + " (counted in fmnist_predictions_dropped_total; logged once a minute)", model, why);
        }
    }

    /** What the drainer left when it was stopped: counted, never silently lost. */
    private void dropLeft() {
        for (Entry entry = queue.poll(); entry != null; entry = queue.poll()) {
            metrics.dropped(entry.model(), DropReason.BUFFER, entry.size());
            waiting.addAndGet(-entry.size());
        }
    }

    /**
     * Stops taking records, gives the drainer up to {@code timeout} to hand the queued ones to the
     * producer, and the producer as long to write them; what is left is counted as dropped.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    void close(Duration timeout) {
        closing = true;
        LockSupport.unpark(drainer);
        try {
            drainer.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drainer.isAlive()) {
            drainer.interrupt();
            try {
                drainer.join(timeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        producer.close(timeout);
        dropLeft();
    }
}
