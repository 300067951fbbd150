package dev.fmnist.inference.messaging;

import dev.fmnist.inference.serving.ModelRepository;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * A replica's start-up, on a thread of its own so that liveness and the HTTP and gRPC listeners do not
 * wait for it: the models topic indexed by its headers up to its end offset ({@link ModelsTopicIndexer})
 * while the model-control topic is read on its own thread; once both are read (so a pin is known), each
 * served model loads the one artefact it will serve ({@link ModelRepository#startUp}); only then is the
 * models topic followed
 * ({@link ModelFollower}), from the indexed end on. So start-up costs one fetch and one load per served
 * model however long the topic's history, and readiness never reports a version older than the newest
 * (or pinned) one that was on the topic at start.
 */
@ApplicationScoped
public class ModelsStartUp {

    private static final Logger LOG = Logger.getLogger(ModelsStartUp.class);
    static final Duration CONTROL_CATCH_UP = Duration.ofSeconds(30);

    @Inject
    ModelControlTopic control;

    @Inject
    ModelsTopicIndexer indexer;

    @Inject
    ModelRepository repository;

    private final CountDownLatch done = new CountDownLatch(1);
    private volatile long followFrom = -1;
    private volatile boolean stopping;
    private volatile Thread thread;

    void start(@Observes StartupEvent start) {
        Thread starting = new Thread(this::run, "models-start-up");
        starting.setDaemon(true);
        thread = starting;
        starting.start();
    }

    void stop(@Observes ShutdownEvent stop) {
        stopping = true;
        Thread starting = thread;
        if (starting != null) {
            starting.interrupt();
        }
    }

    private void run() {
        try {
            // the index does not depend on the pins: it is read while the control topic is
            ModelsTopicIndexer.Summary index = indexer.index(() -> stopping);
            if (index == null) {
                return; // shutting down
            }
            if (!control.awaitCaughtUp(CONTROL_CATCH_UP)) {
                LOG.warnf("model control not read within %d s; choosing from the models topic without it (a pin "
                        + "read later is applied then)", CONTROL_CATCH_UP.toSeconds());
            }
            repository.startUp();
            LOG.infof("models topic indexed up to offset %d in %d ms: %d records, %d artefacts of served models "
                    + "indexed by their headers, %d read for want of them, %d refused; following it from there",
                    index.endOffset(), index.millis(), index.records(), index.fromHeaders(), index.fromValues(),
                    index.refused());
            followFrom = index.endOffset();
            done.countDown();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) { // nothing would ever be served: say so loudly, liveness stays up for a look
            LOG.error("start-up failed: this replica serves nothing until restarted", e);
        }
    }

    /** The offset the models topic is followed from, once start-up has loaded what it serves; empty if not yet. */
    public OptionalLong awaitFollowFrom(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS) ? OptionalLong.of(followFrom) : OptionalLong.empty();
    }

    /** Whether start-up has finished (what to serve is chosen and loaded). */
    public boolean done() {
        return done.getCount() == 0;
    }

    /** Whether the application is stopping: a waiter gives up. */
    public boolean stopping() {
        return stopping;
    }
}
