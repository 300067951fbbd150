package dev.fmnist.trainer.data;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.trainer.config.TrainerConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jboss.logging.Logger;

/** Fashion-MNIST, read once at start-up off the main thread; readiness waits for it. */
@ApplicationScoped
public class DatasetHolder {

    private static final Logger LOG = Logger.getLogger(DatasetHolder.class);

    private final CompletableFuture<FashionMnist> data = new CompletableFuture<>();

    @Inject
    TrainerConfig config;

    void load(@Observes StartupEvent start) {
        Thread loader = new Thread(() -> {
            try {
                data.complete(FashionMnistLoader.builder()
                        .optDataDir(config.data().dir().filter(d -> !d.isBlank()).map(Path::of).orElse(null))
                        .build().load());
            } catch (RuntimeException e) {
                LOG.errorf("Fashion-MNIST could not be loaded: %s", e.getMessage());
                data.completeExceptionally(e);
            }
        }, "dataset-loader");
        loader.setDaemon(true);
        loader.start();
    }

    public boolean isLoaded() {
        return data.isDone() && !data.isCompletedExceptionally();
    }

    /** Why the data is not there, if it failed to load. */
    public Optional<String> failure() {
        if (!data.isCompletedExceptionally()) {
            return Optional.empty();
        }
        try {
            data.get();
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        } catch (ExecutionException e) {
            return Optional.of(e.getCause().getMessage());
        }
    }

    /** The data, waiting for the load to finish; throws if it failed. */
    public FashionMnist data() {
        try {
            return data.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Fashion-MNIST", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Fashion-MNIST is not available: " + e.getCause().getMessage(), e);
        }
    }
}
