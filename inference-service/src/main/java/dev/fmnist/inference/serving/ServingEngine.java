package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.inference.config.InferenceConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The engine as serving uses it: its threads set once, before the first model loads; models loaded through it. */
@ApplicationScoped
public class ServingEngine {

    @Inject
    InferenceConfig config;

    private volatile boolean configured;

    /** Each batching worker computes on its own core(s): PyTorch gets few threads per forward pass. */
    synchronized void configure() {
        if (!configured) {
            ComputeEngine.configureThreads(config.serving().batching().threadsPerForward());
            ComputeEngine.pytorch();
            configured = true;
        }
    }

    /** Loads and warms up a verified artefact; see {@link ServedModel#load}. */
    public ServedModel load(ModelArtefact artefact) {
        configure();
        return ServedModel.load(artefact);
    }

    /** The device models run on, as the engine reports it (cpu(), gpu(0)). */
    public String device() {
        configure();
        return ComputeEngine.device().toString();
    }
}
