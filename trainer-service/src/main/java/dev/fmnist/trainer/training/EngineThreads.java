package dev.fmnist.trainer.training;

import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.trainer.config.TrainerConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Applies {@code fmnist.trainer.threads} at start, before the engine's first use, so it covers every run. */
@ApplicationScoped
public class EngineThreads {

    @Inject
    TrainerConfig config;

    void apply(@Observes StartupEvent start) {
        ComputeEngine.configureThreads(config.trainer().threads());
    }
}
