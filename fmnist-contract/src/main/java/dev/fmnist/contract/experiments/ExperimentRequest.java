package dev.fmnist.contract.experiments;

import static dev.fmnist.contract.fields.RequestFields.BATCH_SIZE;
import static dev.fmnist.contract.fields.RequestFields.DROPOUT;
import static dev.fmnist.contract.fields.RequestFields.K;
import static dev.fmnist.contract.fields.RequestFields.LABEL_SMOOTHING;
import static dev.fmnist.contract.fields.RequestFields.LEARNING_RATE;
import static dev.fmnist.contract.fields.RequestFields.MOMENTUM;
import static dev.fmnist.contract.fields.RequestFields.WEIGHT_DECAY;
import static dev.fmnist.contract.fields.RequestFields.element;
import static dev.fmnist.contract.fields.RequestFields.path;

import dev.fmnist.contract.fields.RequestFields;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated request to train: what {@code fmnist.experiments} carries, after {@link RequestParser};
 * {@link RequestWriter} writes it back, and {@link #builder()} makes one in code with the parser's rules.
 *
 * @param experimentId the client's idempotency key (generated when the request had none)
 * @param network architecture and options
 * @param hyperParameters the recipe, the seed's by default
 * @param sweep null for a single run
 * @param tags free labels, echoed in events
 */
public record ExperimentRequest(
        String experimentId, NetworkSpec network, HyperParameters hyperParameters, Sweep sweep,
        Map<String, String> tags) {

    /** What a request that names none trains: BetterNet, the seed's best network. */
    public static final Architecture DEFAULT_ARCHITECTURE = Architecture.BETTER;

    public ExperimentRequest {
        tags = Map.copyOf(tags);
    }

    /** A builder starting from the seed's recipe on {@link #DEFAULT_ARCHITECTURE}, with no id, sweep or tags. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this request. */
    public Builder toBuilder() {
        return new Builder().optExperimentId(experimentId).optNetwork(network).optHyperParameters(hyperParameters)
                .optSweep(sweep).optTags(tags);
    }

    public boolean isSweep() {
        return sweep != null;
    }

    /**
     * The child experiments of a sweep, ids derived from the parent's ({@code parent/k=3},
     * {@code parent/trial=0}); each is validated as a single request would be.
     */
    public List<ExperimentRequest> children() {
        if (sweep == null) {
            return List.of(this);
        }
        List<ExperimentRequest> children = new ArrayList<>();
        List<String> ids = sweep.childIds(experimentId);
        List<Map<String, Double>> options = sweep.childOptions();
        for (int i = 0; i < ids.size(); i++) {
            NetworkSpec childNetwork = network;
            HyperParameters.Builder hp = hyperParameters.toBuilder();
            for (Map.Entry<String, Double> option : options.get(i).entrySet()) {
                String field = sweep.isRandom() ? path(RequestFields.SWEEP, RequestFields.SPACE, option.getKey())
                        : element(path(RequestFields.SWEEP, RequestFields.VALUES), i);
                String drawn = sweep.isRandom() ? "trial " + i + " drew " + format(option.getValue()) + ": " : "";
                try {
                    double value = option.getValue();
                    switch (option.getKey()) {
                        case K -> childNetwork = new NetworkSpec(network.architecture(), whole(value, field));
                        case LEARNING_RATE -> hp.optLearningRate(value);
                        case BATCH_SIZE -> hp.optBatchSize(whole(value, field));
                        case MOMENTUM -> hp.optMomentum(value);
                        case WEIGHT_DECAY -> hp.optWeightDecay(value);
                        case LABEL_SMOOTHING -> hp.optLabelSmoothing(value);
                        case DROPOUT -> hp.optDropout(value);
                        default -> throw new RequestRejectedException(field, "is not an option a sweep can set");
                    }
                } catch (RequestRejectedException e) {
                    throw e;
                } catch (IllegalArgumentException e) {
                    throw new RequestRejectedException(field, drawn + e.getMessage());
                }
            }
            try {
                children.add(new ExperimentRequest(ids.get(i), childNetwork, hp.build(), null, tags));
            } catch (IllegalArgumentException e) {
                throw childRejected(i, options.get(i), e);
            }
        }
        return children;
    }

    /**
     * Child {@code i}'s recipe broke a rule: for a random search, named by the option drawn (its value
     * with it) when the rule is that option's; otherwise by the grid's value or the space.
     */
    private RequestRejectedException childRejected(int i, Map<String, Double> drawnOptions, IllegalArgumentException e) {
        if (!sweep.isRandom()) {
            return new RequestRejectedException(element(path(RequestFields.SWEEP, RequestFields.VALUES), i), e.getMessage());
        }
        String message = String.valueOf(e.getMessage());
        int colon = message.indexOf(": ");
        String option = colon > 0 ? message.substring(0, colon) : "";
        Double drawn = drawnOptions.get(option);
        return drawn == null ? new RequestRejectedException(path(RequestFields.SWEEP, RequestFields.SPACE), "trial " + i + ": " + message)
                : new RequestRejectedException(path(RequestFields.SWEEP, RequestFields.SPACE, option), "trial " + i + " drew " + format(drawn) + ": "
                        + message.substring(colon + 2));
    }

    /** A sweep child's id: the parent's, then {@code /parameter=value} ({@code s1/k=3}). */
    public static String childId(String parentId, String parameter, double value) {
        return parentId + "/" + parameter + "=" + format(value);
    }

    static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }

    private static int whole(double value, String field) {
        if (value != Math.rint(value)) {
            throw new RequestRejectedException(field, "must be a whole number, got " + value);
        }
        return (int) value;
    }

    /**
     * Builds a request in code, with the parser's rules: {@link #build()} refuses what
     * {@link RequestParser#parse} would, naming the field, so a request built here is one the trainer
     * accepts. Unset options take the seed's recipe.
     */
    public static final class Builder {
        private String experimentId;
        private Architecture architecture = DEFAULT_ARCHITECTURE;
        private Integer k;
        private HyperParameters.Builder recipe = HyperParameters.builder();
        private Sweep sweep;
        private final Map<String, String> tags = new LinkedHashMap<>();

        private Builder() {}

        public Builder optExperimentId(String experimentId) {
            this.experimentId = experimentId;
            return this;
        }

        /**
         * Starts again from {@code named}: its network and hyper-parameters replace those set so far (the
         * id, sweep and tags stay), for the options set after it to change.
         */
        public Builder optRecipe(NamedRecipe named) {
            this.architecture = named.architecture();
            this.k = null;
            this.recipe = named.hyperParameters();
            return this;
        }

        public Builder optArchitecture(Architecture architecture) {
            this.architecture = architecture;
            return this;
        }

        /** The kernel size of {@code compare}; null for its default. Refused by {@link #build()} on the others. */
        public Builder optK(Integer k) {
            this.k = k;
            return this;
        }

        public Builder optNetwork(NetworkSpec network) {
            return optArchitecture(network.architecture()).optK(network.k());
        }

        /** Replaces the recipe with {@code hyperParameters}. */
        public Builder optHyperParameters(HyperParameters hyperParameters) {
            this.recipe = hyperParameters.toBuilder();
            return this;
        }

        /** The recipe being built: its options are set in place ({@code builder.recipe().optEpochs(3)}). */
        public HyperParameters.Builder recipe() {
            return recipe;
        }

        /** A grid or a random search; null for a single run. */
        public Builder optSweep(Sweep sweep) {
            this.sweep = sweep;
            return this;
        }

        /** Adds a tag, replacing one of the same key. */
        public Builder optTag(String key, String value) {
            tags.put(key, value);
            return this;
        }

        /** Adds these tags, replacing those of the same keys. */
        public Builder optTags(Map<String, String> tags) {
            this.tags.putAll(tags);
            return this;
        }

        /** Whether an id was set: a client that makes its own (readable) ids checks before {@link #build()}. */
        public boolean hasExperimentId() {
            return experimentId != null;
        }

        /** The architecture set so far. */
        public Architecture architecture() {
            return architecture;
        }

        /** The sweep set so far; null for none. */
        public Sweep sweep() {
            return sweep;
        }

        /** The network, validated: {@code k} only for an architecture that takes it, and within its range. */
        public NetworkSpec network() {
            if (architecture == null) {
                throw new RequestRejectedException(RequestFields.ARCHITECTURE, "is required, one of " + Architecture.ids());
            }
            if (k != null && !architecture.takesKernelSize()) {
                throw new RequestRejectedException(K, "does not apply to " + architecture.id() + "; only compare takes k");
            }
            try {
                return new NetworkSpec(architecture, k);
            } catch (IllegalArgumentException e) {
                throw RequestRejectedException.from(e, "$");
            }
        }

        /** The recipe, validated. */
        public HyperParameters hyperParameters() {
            try {
                return recipe.build();
            } catch (IllegalArgumentException e) {
                throw RequestRejectedException.from(e, "$");
            }
        }

        /** Checks every rule, the sweep's children's included; throws {@link RequestRejectedException} naming the field. */
        public ExperimentRequest build() {
            if (experimentId == null) {
                throw new RequestRejectedException(RequestFields.EXPERIMENT_ID, "is required");
            }
            if (!RequestParser.EXPERIMENT_ID.matcher(experimentId).matches()) {
                throw new RequestRejectedException(RequestFields.EXPERIMENT_ID, "must be 1-128 characters of letters, "
                        + "digits and ._:=- starting with a letter or digit, got \"" + experimentId + "\"");
            }
            NetworkSpec network = network();
            HyperParameters hyperParameters = hyperParameters();
            if (sweep != null && !architecture.takesKernelSize()
                    && (K.equals(sweep.parameter()) || sweep.isRandom() && sweep.space().containsKey(K))) {
                throw new RequestRejectedException(sweep.isRandom() ? path(RequestFields.SWEEP, RequestFields.SPACE, K)
                        : path(RequestFields.SWEEP, RequestFields.PARAMETER),
                        "k does not apply to " + architecture.id() + "; only compare takes k");
            }
            if (sweep != null && sweep.isRandom() && hyperParameters.validationSplit() == 0) {
                throw new RequestRejectedException(RequestFields.VALIDATION_SPLIT, "a random search ranks its trials by "
                        + "validation accuracy, so it needs a validationSplit (the test set never chooses)");
            }
            if (tags.size() > RequestParser.MAX_TAGS) {
                throw new RequestRejectedException(RequestFields.TAGS, "must be an object of at most "
                        + RequestParser.MAX_TAGS + " string values");
            }
            tags.forEach((key, value) -> {
                if (key == null || value == null || key.length() > RequestParser.MAX_TAG_LENGTH
                        || value.length() > RequestParser.MAX_TAG_LENGTH) {
                    throw tagRefused(key);
                }
            });
            ExperimentRequest request = new ExperimentRequest(experimentId, network, hyperParameters, sweep, tags);
            request.children(); // every child must be valid too
            return request;
        }
    }

    /** A tag that is not a string of the allowed length. */
    static RequestRejectedException tagRefused(String key) {
        return new RequestRejectedException(RequestFields.path(RequestFields.TAGS, key), "must be a string of at most "
                + RequestParser.MAX_TAG_LENGTH + " characters");
    }
}
