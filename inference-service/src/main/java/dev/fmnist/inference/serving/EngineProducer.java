package dev.fmnist.inference.serving;

import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.inference.config.InferenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The service's engine, made once when the model slots start, before the first batcher computes: each
 * batching worker computes on its own core(s), so PyTorch gets few threads per forward pass
 * ({@code fmnist.serving.batching.threads-per-forward}).
 */
@ApplicationScoped
public class EngineProducer {

    @Produces
    @Singleton
    ComputeEngine computeEngine(InferenceConfig config) {
        return ComputeEngine.builder().optThreads(config.serving().batching().threadsPerForward()).build();
    }
}
