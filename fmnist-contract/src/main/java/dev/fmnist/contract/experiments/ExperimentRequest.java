package dev.fmnist.contract.experiments;

import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A validated request to train: what {@code fmnist.experiments} carries, after {@link RequestParser}.
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

    public ExperimentRequest {
        tags = Map.copyOf(tags);
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
                String field = sweep.isRandom() ? "sweep.space." + option.getKey() : "sweep.values[" + i + "]";
                String drawn = sweep.isRandom() ? "trial " + i + " drew " + format(option.getValue()) + ": " : "";
                try {
                    double value = option.getValue();
                    switch (option.getKey()) {
                        case "k" -> childNetwork = new NetworkSpec(network.architecture(), whole(value, field));
                        case "learningRate" -> hp.optLearningRate(value);
                        case "batchSize" -> hp.optBatchSize(whole(value, field));
                        case "momentum" -> hp.optMomentum(value);
                        case "weightDecay" -> hp.optWeightDecay(value);
                        case "labelSmoothing" -> hp.optLabelSmoothing(value);
                        case "dropout" -> hp.optDropout(value);
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
            return new RequestRejectedException("sweep.values[" + i + "]", e.getMessage());
        }
        String message = String.valueOf(e.getMessage());
        int colon = message.indexOf(": ");
        String option = colon > 0 ? message.substring(0, colon) : "";
        Double drawn = drawnOptions.get(option);
        return drawn == null ? new RequestRejectedException("sweep.space", "trial " + i + ": " + message)
                : new RequestRejectedException("sweep.space." + option, "trial " + i + " drew " + format(drawn) + ": "
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
}
