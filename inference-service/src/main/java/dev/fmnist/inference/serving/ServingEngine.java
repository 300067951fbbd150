package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.engine.runtime.ComputeEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** The engine as serving uses it: models loaded on its device, and that device as the protocols report it. */
@ApplicationScoped
public class ServingEngine {

    @Inject
    ComputeEngine engine;

    /** Loads and warms up a verified artefact; see {@link ServedModel#load}. */
    public ServedModel load(ModelArtefact artefact) {
        return ServedModel.load(artefact, engine);
    }

    /** The device models run on, as the engine reports it (cpu(), gpu(0)). */
    public String device() {
        return engine.device().toString();
    }
}
