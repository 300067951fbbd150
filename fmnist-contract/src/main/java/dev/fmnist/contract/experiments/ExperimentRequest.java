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
     * The child experiments of a sweep, ids derived from the parent's ({@code parent/k=3}); each is
     * validated as a single request would be.
     */
    public List<ExperimentRequest> children() {
        if (sweep == null) {
            return List.of(this);
        }
        List<ExperimentRequest> children = new ArrayList<>();
        for (int i = 0; i < sweep.values().size(); i++) {
            double value = sweep.values().get(i);
            String field = "sweep.values[" + i + "]";
            NetworkSpec childNetwork = network;
            HyperParameters.Builder hp = hyperParameters.toBuilder();
            try {
                switch (sweep.parameter()) {
                    case "k" -> childNetwork = new NetworkSpec(network.architecture(), whole(value, field));
                    case "learningRate" -> hp.optLearningRate(value);
                    case "batchSize" -> hp.optBatchSize(whole(value, field));
                    default -> throw new RequestRejectedException("sweep.parameter", "must be one of "
                            + Sweep.PARAMETERS + ", got " + sweep.parameter());
                }
                children.add(new ExperimentRequest(childId(experimentId, sweep.parameter(), value), childNetwork, hp.build(), null, tags));
            } catch (IllegalArgumentException e) {
                throw new RequestRejectedException(field, e.getMessage());
            }
        }
        return children;
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
