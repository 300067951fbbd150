package dev.fmnist.contract.networks;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The registry of networks by the name a request, a manifest and the command line use, with the
 * options each takes. The layers behind each name live in the engine ({@code dev.fmnist.engine.networks.Networks}),
 * whose exhaustive switch over this enum fails to compile until a new name gets its layers.
 */
public enum Architecture {
    /** The seed's 2-layer MLP, 784-200-10 (159,010 parameters). */
    MLP("mlp", false),
    /** The seed's BaselineNet: CompareNet with k = 5 (116,038 parameters). */
    BASELINE("baseline", false),
    /** The seed's CompareNet(k): the second conv's kernel size is the option {@code k}. */
    COMPARE("compare", true),
    /** The seed's BetterNet (2,342,090 parameters). */
    BETTER("better", false),
    /**
     * BetterNet with batch normalisation after both convs and the hidden dense layer, which lets it
     * train at higher rates and with dropout (2,345,770 values, 1,840 of them the running statistics).
     */
    BETTER_BN("better-bn", false),
    /**
     * Built for time to accuracy on a CPU, the network of the {@code speedrun} recipe: better-bn's shape
     * with 16 and 64 filters and a 256-wide hidden layer (a third of its multiply-accumulates per image),
     * each convolution's batch norm after its pooling (603,434 values, 672 of them batch norm's running
     * statistics).
     */
    SPEED_BN("speed-bn", false),
    /**
     * speed-bn with a third convolution, the network of the {@code speedrun-deep} recipe: convs of 16, 64
     * and 128 filters, each padded to keep its input's size, then pooled, then batch norm; a 256-wide
     * hidden layer (382,890 values, 928 of them batch norm's running statistics). Its multiply-accumulates
     * are 3x speed-bn's, one epoch under 2x as long (the passes over the first layer's activations are the same).
     */
    DEEP_BN("deep-bn", false);

    private final String id;
    private final boolean takesKernelSize;

    Architecture(String id, boolean takesKernelSize) {
        this.id = id;
        this.takesKernelSize = takesKernelSize;
    }

    /** The name used in requests, manifests and the command line. */
    public String id() {
        return id;
    }

    /** Whether the option {@code k} (second conv kernel size) applies. */
    public boolean takesKernelSize() {
        return takesKernelSize;
    }

    /** Looks a name up, case-insensitively; an unknown name is an error listing the known ones. */
    public static Architecture fromId(String id) {
        String wanted = id == null ? "" : id.trim().toLowerCase(Locale.ROOT);
        return Arrays.stream(values())
                .filter(a -> a.id.equals(wanted))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown architecture '" + id + "', expected one of "
                        + ids()));
    }

    /** The known names, comma separated. */
    public static String ids() {
        return Arrays.stream(values()).map(Architecture::id).collect(Collectors.joining(", "));
    }
}
