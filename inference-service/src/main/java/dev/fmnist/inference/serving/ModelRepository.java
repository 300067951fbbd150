package dev.fmnist.inference.serving;

import dev.fmnist.contract.serving.ModelControl;
import dev.fmnist.contract.serving.ModelDecision;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.messaging.ModelControlTopic;
import dev.fmnist.proto.inference.ModelRepositoryParameter;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The model repository, with the semantics of Triton's repository extension: the models this server
 * serves (each with its live version, its pin, the versions published for it and those live before),
 * their readiness and index, and load/unload. Here a load pins a version, or without one follows the
 * newest again, and an unload drops the pin, for the whole fleet: the change is written to the
 * model-control topic and answered once this replica has applied it (every replica applies it as it
 * reads it). The gRPC and REST front ends ask it; the readers of the models and model-control
 * topics hand it every artefact and record. Refusals are gRPC statuses naming the field (the
 * protocol's own codes), which the REST front end maps to HTTP.
 */
@ApplicationScoped
public class ModelRepository {

    /** The load parameter naming the version to pin (RepositoryModelLoad's, and REST load's). */
    public static final String VERSION_PARAMETER = "version";
    /** The unload parameter tritonclient's unload_model sends; nothing depends on our models, so it changes nothing. */
    public static final String UNLOAD_DEPENDENTS = "unload_dependents";

    @Inject
    ModelSlots slots;

    @Inject
    ModelSelector selector;

    @Inject
    ModelControlTopic control;

    @Inject
    InferenceConfig config;

    /** A line of the repository index. */
    public record IndexEntry(String name, String version, boolean ready, String reason) {

        /** Triton's state name. */
        public String state() {
            return ready ? "READY" : "UNAVAILABLE";
        }
    }

    /** The served models, in the order the setting lists them. */
    public Collection<ModelSlot> all() {
        return slots.all();
    }

    public Optional<ModelSlot> find(String name) {
        return slots.find(name);
    }

    /** Whether every served model has a version live (Triton's strict readiness). */
    public boolean ready() {
        return slots.allReady();
    }

    /**
     * Whether {@code name} is served with a version live, and {@code version} (unless it is empty) is
     * loaded: the champion's or the challenger's version, or their alias.
     */
    public boolean ready(String name, String version) {
        return slots.find(name).map(slot -> {
            if (version.equals(ModelControl.CHALLENGER)) {
                return slot.challenger().flatMap(ModelSlot.Challenger::manifest).isPresent();
            }
            boolean champion = slot.manifest().map(m -> version.isEmpty() || version.equals(ModelControl.CHAMPION)
                    || version.equals(m.version())).orElse(false);
            return champion || slot.ready() && slot.challenger().filter(c -> c.version().equals(version))
                    .flatMap(ModelSlot.Challenger::manifest).isPresent();
        }).orElse(false);
    }

    /**
     * The model a request names ({@code field} says where), the first listed when the name is empty;
     * NOT_FOUND naming the field and the served models otherwise.
     */
    public ModelSlot require(String name, String field) {
        return slots.require(name, field);
    }

    /**
     * The served model {@code name} (the field it came in is {@code field}), which has {@code version}
     * loaded unless that is empty: its champion's or challenger's version, or the alias
     * {@value ModelControl#CHAMPION} or {@value ModelControl#CHALLENGER}. NOT_FOUND naming what is
     * served otherwise ({@link ModelSlot#route} says who answers).
     */
    public ModelSlot require(String name, String version, String field) {
        if (name.isEmpty()) {
            throw InferenceRequests.notFound(field + ": required; this server serves " + String.join(", ",
                    slots.all().stream().map(ModelSlot::name).toList()));
        }
        ModelSlot slot = slots.require(name, field);
        if (!version.isEmpty()) {
            slot.route(version, "model_version"); // refuses a version or alias not loaded, naming what is
        }
        return slot;
    }

    /** Every served model, or only those with a version live: its live version and why it serves what it does. */
    public List<IndexEntry> index(boolean readyOnly) {
        List<IndexEntry> index = new ArrayList<>();
        for (ModelSlot slot : slots.all()) {
            boolean ready = slot.ready();
            if (readyOnly && !ready) {
                continue;
            }
            String reason = slot.problem().orElse(ready ? slot.pinned().map(p -> "pinned to " + p)
                    .orElse("newest artefact") : "no artefact loaded yet") + challengerReason(slot);
            index.add(new IndexEntry(slot.name(), slot.manifest().map(m -> m.version()).orElse(""), ready, reason));
        }
        return index;
    }

    /** The index's word on {@code slot}'s challenger (Triton's index has no field for it), or "". */
    private static String challengerReason(ModelSlot slot) {
        Optional<ModelSlot.Challenger> challenger = slot.challenger();
        if (challenger.isPresent()) {
            ModelSlot.Challenger c = challenger.get();
            return "; challenger " + c.version() + " in " + c.mode().wire() + " for "
                    + share(c.share()) + " of requests";
        }
        return slot.challengerProblem().map(p -> "; " + p).orElse("");
    }

    /** A share as a percentage, e.g. 10%, 12.5%. */
    static String share(double share) {
        double percent = share * 100;
        return (percent == Math.rint(percent) ? String.valueOf((long) percent) : String.valueOf(percent)) + "%";
    }

    /**
     * Pins {@code slot} to {@code version} (a version or the experiment that published it) for the
     * fleet, or without one has it follow the newest artefact again; returns once this replica serves
     * it. {@code versionField} names where the version came from, {@code reason} is recorded with the pin.
     */
    public void load(ModelSlot slot, Optional<String> version, String versionField, String reason) {
        version.ifPresent(v -> {
            if (slot.published().find(v).isEmpty()) {
                throw InferenceRequests.notFound(versionField + ": '" + v + "' is not among the artefacts published for "
                        + slot.name() + " (newest first: " + String.join(", ", slot.published().newestFirst().stream()
                                .limit(5).map(PublishedVersions.Entry::version).toList()) + ")");
            }
        });
        change(slot, operator(slot, version.orElse(null), version.isPresent() ? ModelDecision.PIN : ModelDecision.UNPIN,
                reason));
    }

    /**
     * An operator's pin ({@code pinned}) or unpin (null) of {@code slot}, recorded as {@code decision}
     * by "operator". It names no challenger: an operator's decision ends a challenger's trial (a pin
     * of the challenger's version promotes it, served once), as the CLI's does.
     */
    static ModelControl operator(ModelSlot slot, String pinned, ModelDecision decision, String reason) {
        // the reason whole (up to 500 characters, as before); its line in reasons cut to a line's length
        List<String> reasons = reason == null || reason.isEmpty() ? List.of()
                : List.of(reason.length() <= ModelControl.MAX_REASON_LINE ? reason
                        : reason.substring(0, ModelControl.MAX_REASON_LINE));
        return new ModelControl(slot.name(), pinned, reason, Instant.now(), null, null, 0, decision, reasons,
                ModelControl.OPERATOR);
    }

    /**
     * Triton's load of {@code model} ({@code modelField} says where the name came), over gRPC or REST:
     * the string parameter {@value #VERSION_PARAMETER} pins that version, without it the model follows the
     * newest again; any other parameter is refused by name.
     */
    public void load(String model, String modelField, Map<String, ModelRepositoryParameter> parameters, String reason) {
        ModelSlot slot = require(model, "", modelField);
        requireOnly(parameters, VERSION_PARAMETER);
        Optional<String> version = Optional.ofNullable(parameters.get(VERSION_PARAMETER)).map(p -> {
            if (p.getParameterChoiceCase() != ModelRepositoryParameter.ParameterChoiceCase.STRING_PARAM) {
                throw InferenceRequests.invalid("parameters." + VERSION_PARAMETER + ": expected a string");
            }
            return p.getStringParam();
        });
        load(slot, version, "parameters." + VERSION_PARAMETER, reason);
    }

    /** Triton's unload of {@code model}: its pin dropped; only {@value #UNLOAD_DEPENDENTS} is accepted besides. */
    public void unload(String model, String modelField, Map<String, ModelRepositoryParameter> parameters, String reason) {
        ModelSlot slot = require(model, "", modelField);
        requireOnly(parameters, UNLOAD_DEPENDENTS);
        unload(slot, reason);
    }

    private static void requireOnly(Map<String, ModelRepositoryParameter> parameters, String accepted) {
        for (String name : parameters.keySet()) {
            if (!name.equals(accepted)) {
                throw InferenceRequests.invalid("parameters." + name + ": not supported (accepted: " + accepted + ")");
            }
        }
    }

    /** Drops {@code slot}'s pin for the fleet: it follows the newest artefact again. */
    public void unload(ModelSlot slot, String reason) {
        change(slot, operator(slot, null, ModelDecision.UNPIN, reason));
    }

    /**
     * An artefact read at {@code offset} on the models topic under {@code artefactKey} (e.g.
     * {@code compare(k=3)}): considered for the model served under that key, if any (true); the
     * {@link ModelSelector} decides whether it goes live.
     */
    public boolean published(String artefactKey, long offset, byte[] artefact) {
        Optional<ModelSlot> slot = slots.forArtefactKey(artefactKey);
        slot.ifPresent(s -> selector.published(s, offset, artefact));
        return slot.isPresent();
    }

    /** Whether a model served here takes the artefacts published under {@code artefactKey}. */
    public boolean servesArtefactKey(String artefactKey) {
        return slots.forArtefactKey(artefactKey).isPresent();
    }

    /** Whether start-up has chosen what every served model serves (see {@link #startUp}). */
    public boolean startedUp() {
        return slots.all().stream().allMatch(selector::startedUp);
    }

    /**
     * An artefact indexed at start-up from its record on the models topic under {@code artefactKey}:
     * recorded for the model served under that key, if any (true), not fetched.
     */
    public boolean indexed(String artefactKey, PublishedVersions.Entry entry) {
        Optional<ModelSlot> slot = slots.forArtefactKey(artefactKey);
        slot.ifPresent(s -> selector.indexed(s, entry));
        return slot.isPresent();
    }

    /**
     * A record under {@code artefactKey} that cannot be indexed (a tombstone, unreadable or lying
     * headers, an unreadable artefact): refused for the model served under that key, if any (true).
     */
    public boolean unindexable(String artefactKey, String reason) {
        Optional<ModelSlot> slot = slots.forArtefactKey(artefactKey);
        slot.ifPresent(s -> selector.unindexable(s, reason));
        return slot.isPresent();
    }

    /**
     * The models topic is indexed up to the end it had at start-up: each served model now loads what it
     * will serve (see {@link ModelSelector#startUp}), and acts on every record from here on.
     */
    public void startUp() {
        slots.all().forEach(selector::startUp);
    }

    /**
     * A model-control record read from the topic: applied if its model is served here (true), else
     * ignored, being for a model another replica set serves.
     */
    public boolean apply(ModelControl change) {
        Optional<ModelSlot> slot = slots.find(change.model());
        slot.ifPresent(s -> selector.controlled(s, change));
        return slot.isPresent();
    }

    /** Writes {@code change} for the fleet, waits until this replica applied it, and says if it could not be served. */
    private void change(ModelSlot slot, ModelControl change) {
        long offset;
        try {
            offset = control.write(change);
        } catch (IllegalStateException e) {
            throw Status.UNAVAILABLE.withDescription(e.getMessage()).asRuntimeException();
        }
        Duration timeout = Duration.ofSeconds(config.serving().controlTimeoutSeconds());
        try {
            if (!control.awaitApplied(offset, timeout)) {
                throw Status.DEADLINE_EXCEEDED.withDescription("written to the model-control topic, not applied here "
                        + "within " + timeout.toSeconds() + " s; replicas apply it as they read it").asRuntimeException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
        slot.problem().ifPresent(problem -> {
            throw Status.FAILED_PRECONDITION.withDescription(slot.name() + ": " + problem).asRuntimeException();
        });
    }
}
