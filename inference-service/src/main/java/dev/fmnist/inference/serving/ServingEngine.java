package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.inference.config.InferenceConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The engine as serving uses it: its threads set once, before the first model loads; models loaded through it. */
@ApplicationScoped
public class ServingEngine {

    @Inject
    InferenceConfig config;

    /** Each batching worker computes on its own core(s): PyTorch gets few threads per forward pass. */
    @PostConstruct
    void configure() {
        ComputeEngine.configureThreads(config.serving().batching().threadsPerForward());
        ComputeEngine.pytorch();
    }

    /** Loads and warms up a verified artefact; see {@link ServedModel#load}. */
    public ServedModel load(ModelArtefact artefact) {
        return ServedModel.load(artefact);
    }
}
