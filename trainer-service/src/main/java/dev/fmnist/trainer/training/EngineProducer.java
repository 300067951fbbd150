package dev.fmnist.trainer.training;

import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.trainer.config.TrainerConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The trainer's engine: made once, with {@code fmnist.trainer.threads}, when the first bean that trains
 * needs it, so the thread count is set before the engine's first use and covers every run.
 */
@ApplicationScoped
public class EngineProducer {

    @Produces
    @Singleton
    ComputeEngine computeEngine(TrainerConfig config) {
        return ComputeEngine.builder().optThreads(config.trainer().threads()).build();
    }
}
