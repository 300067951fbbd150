package dev.fmnist.contract.networks;

import static dev.fmnist.contract.fields.RequestFields.ARCHITECTURE;
import static dev.fmnist.contract.fields.RequestFields.K;

import java.util.ArrayList;
import java.util.List;

/**
 * An architecture and its options: what a request, a manifest or the command line names.
 *
 * @param architecture the network family
 * @param k the second conv's kernel size for {@code compare} (3..8); null for the others
 */
public record NetworkSpec(Architecture architecture, Integer k) {

    public static final int MIN_KERNEL = 3;
    public static final int MAX_KERNEL = 8;
    /**
     * The served model names, for help texts (an annotation's text must be a constant): one place to
     * change when the registry gains a network.
     */
    public static final String SERVING_NAMES = "better, better-bn, speed-bn, deep-bn, mlp, baseline, compare-k3 ... compare-k8";
    /** BaselineNet's kernel, and CompareNet's when none is given (as the peer harness does). */
    public static final int BASELINE_KERNEL = 5;

    public NetworkSpec {
        if (architecture == null) {
            throw new IllegalArgumentException(ARCHITECTURE + ": required, one of " + Architecture.ids());
        }
        if (!architecture.takesKernelSize()) {
            k = null; // the option is ignored by networks without it, so it is not recorded either
        } else if (k == null) {
            k = BASELINE_KERNEL;
        } else if (k < MIN_KERNEL || k > MAX_KERNEL) {
            throw new IllegalArgumentException(K + ": must be between " + MIN_KERNEL + " and " + MAX_KERNEL
                    + " for " + architecture.id() + " (the seed's flatten size is defined only there), got " + k);
        }
    }

    /** Every network of the registry, in its order: each architecture, and compare at each k. */
    public static List<NetworkSpec> registry() {
        List<NetworkSpec> specs = new ArrayList<>();
        for (Architecture architecture : Architecture.values()) {
            if (architecture.takesKernelSize()) {
                for (int k = MIN_KERNEL; k <= MAX_KERNEL; k++) {
                    specs.add(new NetworkSpec(architecture, k));
                }
            } else {
                specs.add(of(architecture));
            }
        }
        return List.copyOf(specs);
    }

    /** Parses a registry name and an optional k. */
    public static NetworkSpec of(String architecture, Integer k) {
        return new NetworkSpec(Architecture.fromId(architecture), k);
    }

    public static NetworkSpec of(Architecture architecture) {
        return new NetworkSpec(architecture, null);
    }

    /** A short name such as {@code better} or {@code compare(k=3)}. */
    public String label() {
        return label(architecture.id(), k);
    }

    /**
     * The name it is served under (an Open Inference Protocol model name, safe in a URL path):
     * {@code better}, {@code compare-k3}.
     */
    public String servingName() {
        return k == null ? architecture.id() : architecture.id() + "-k" + k;
    }

    /** The network a served model name stands for; an unknown name is an error listing the forms. */
    public static NetworkSpec fromServingName(String name) {
        String wanted = name == null ? "" : name.trim();
        int dash = wanted.lastIndexOf("-k");
        try {
            if (dash > 0) {
                Architecture architecture = Architecture.fromId(wanted.substring(0, dash));
                if (architecture.takesKernelSize()) {
                    return new NetworkSpec(architecture, Integer.parseInt(wanted.substring(dash + 2)));
                }
            }
            Architecture architecture = Architecture.fromId(wanted);
            if (architecture.takesKernelSize()) {
                throw new IllegalArgumentException("'" + name + "' needs its kernel size, e.g. " + architecture.id()
                        + "-k" + MIN_KERNEL);
            }
            return new NetworkSpec(architecture, null);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("unknown model '" + name + "', expected one of " + Architecture.ids()
                    + " (compare as compare-k3 ... compare-k8)");
        }
    }

    /** The label of a registry id and kernel option as events and keys carry them, without validating them. */
    public static String label(String architectureId, Integer k) {
        return k == null ? architectureId : architectureId + "(k=" + k + ")";
    }
}
