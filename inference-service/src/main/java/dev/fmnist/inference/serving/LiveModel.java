package dev.fmnist.inference.serving;

import io.grpc.Status;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The version of one served model that answers now: swapped atomically; requests in flight finish on
 * the version they started with.
 */
public final class LiveModel {

    private final String name;
    private final AtomicReference<ServedModel> current = new AtomicReference<>();

    /** {@code name}: the served model, for messages. */
    public LiveModel(String name) {
        this.name = name;
    }

    /** Runs {@code work} on the live model, holding it for the duration; UNAVAILABLE when none is loaded. */
    public <T> T use(Function<ServedModel, T> work) {
        while (true) {
            ServedModel model = current.get();
            if (model == null) {
                throw Status.UNAVAILABLE.withDescription("model '" + name
                        + "': no version loaded yet (waiting for its artefact on the models topic)")
                        .asRuntimeException();
            }
            if (model.tryAcquire()) {
                try {
                    return work.apply(model);
                } finally {
                    model.release();
                }
            }
            // retired between get() and tryAcquire(): the new one is already in place
        }
    }

    /** Makes {@code next} live; the previous model is closed once its in-flight requests are done. */
    public void swap(ServedModel next) {
        ServedModel previous = current.getAndSet(next);
        if (previous != null) {
            previous.retire();
        }
    }

    /**
     * Takes the model out without retiring it, for a challenger promoted to champion: the same loaded
     * model goes on serving from the champion's {@code LiveModel}, so it is neither loaded twice nor closed.
     */
    public Optional<ServedModel> detach() {
        return Optional.ofNullable(current.getAndSet(null));
    }

    /** Retires the live model, if any (it closes once its in-flight requests are done); nothing is live after. */
    public void clear() {
        swap(null);
    }

    public Optional<ServedModel> peek() {
        return Optional.ofNullable(current.get());
    }
}
