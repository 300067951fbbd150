package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.inference.config.InferenceConfig;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.Map;

/**
 * The engine as serving uses it: models loaded on its device in the forward form configured for each,
 * and that device as the protocols report it.
 */
@ApplicationScoped
public class ServingEngine {

    @Inject
    ComputeEngine engine;

    @Inject
    InferenceConfig config;

    private ForwardForm defaultForm;
    private final Map<String, ForwardForm> forms = new HashMap<>();

    /** Checks the forms at start-up; a bad one stops the service naming its setting. */
    @PostConstruct
    void readForms() {
        defaultForm = ForwardForm.parse("fmnist.serving.forward", config.serving().forward());
        config.serving().forwardByModel().forEach((name, form) -> {
            String key = "fmnist.serving.forward-by-model.\"" + name + "\"";
            try {
                forms.put(NetworkSpec.fromServingName(name).servingName(), ForwardForm.parse(key, form));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage().startsWith(key) ? e.getMessage() : key + ": "
                        + e.getMessage(), e);
            }
        });
    }

    /** Loads and warms up a verified artefact for the served model {@code name}; see {@link ServedModel#load}. */
    public ServedModel load(String name, ModelArtefact artefact) {
        return ServedModel.load(artefact, engine, form(name));
    }

    /** The forward form configured for the served model {@code name}. */
    public ForwardForm form(String name) {
        return forms.getOrDefault(name, defaultForm);
    }

    /** The device models run on, as the engine reports it (cpu(), gpu(0)). */
    public String device() {
        return engine.device().toString();
    }
}
