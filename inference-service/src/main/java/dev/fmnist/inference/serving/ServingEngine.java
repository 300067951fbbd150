package dev.fmnist.inference.serving;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.inference.config.InferenceConfig;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The engine as serving uses it: models loaded on its device in the forward form configured for each,
 * and that device as the protocols report it.
 */
@ApplicationScoped
@Startup
public class ServingEngine {

    @Inject
    ComputeEngine engine;

    @Inject
    InferenceConfig config;

    private ForwardForm defaultForm;
    private final Map<String, ForwardForm> forms = new HashMap<>();

    /**
     * Checks the forms. The bean is made at start-up ({@code @Startup}), not at its first load, so a bad
     * setting stops the start naming itself instead of every artefact being refused.
     */
    @PostConstruct
    void readForms() {
        defaultForm = ForwardForm.parse("fmnist.serving.forward", config.serving().forward());
        Set<String> served = new HashSet<>();
        for (String name : config.serving().models()) {
            try {
                served.add(NetworkSpec.fromServingName(name).servingName());
            } catch (IllegalArgumentException e) {
                // ModelSlots refuses it, naming fmnist.serving.models: an override cannot name it anyway
            }
        }
        config.serving().forwardByModel().forEach((name, form) -> {
            String key = "fmnist.serving.forward-by-model.\"" + name + "\"";
            String model;
            try {
                model = NetworkSpec.fromServingName(name).servingName();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
            }
            if (!served.contains(model)) {
                throw new IllegalArgumentException(key + ": " + model + " is not served (fmnist.serving.models: "
                        + String.join(",", config.serving().models()) + ")");
            }
            if (forms.put(model, ForwardForm.parse(key, form)) != null) {
                throw new IllegalArgumentException(key + ": " + model + " is given a form twice");
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
