package dev.fmnist.engine.networks;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The registry of networks, by the name a request uses. Each builds exactly the seed notebook's
 * network; a new one is added here and nowhere else.
 */
public enum Architecture {
    /** The seed's 2-layer MLP, 784-200-10 (159,010 parameters). */
    MLP("mlp", false) {
        @Override
        LayerStack layers(LayerStack input, int k) {
            return input.flatten().dense(200).relu().dense(10);
        }
    },
    /** The seed's BaselineNet: CompareNet with k = 5 (116,038 parameters). */
    BASELINE("baseline", false) {
        @Override
        LayerStack layers(LayerStack input, int k) {
            return COMPARE.layers(input, NetworkSpec.BASELINE_KERNEL);
        }
    },
    /**
     * The seed's CompareNet(k): conv 8@5x5, pool, conv 12@kxk with padding 2, pool, dense 256, dense
     * 10. The padding-2 second conv gives 17-k pixels a side, pooled to floor((17-k)/2).
     */
    COMPARE("compare", true) {
        @Override
        LayerStack layers(LayerStack input, int k) {
            return input.conv(8, 5, 0).relu().maxPool(2)
                    .conv(12, k, 2).relu().maxPool(2)
                    .flatten().dense(256).relu().dense(10);
        }
    },
    /** The seed's BetterNet: conv 40@3x3 pad 1, pool, conv 80@3x3, pool, dense 800, dense 10 (2,342,090). */
    BETTER("better", false) {
        @Override
        LayerStack layers(LayerStack input, int k) {
            return input.conv(40, 3, 1).relu().maxPool(2)
                    .conv(80, 3, 0).relu().maxPool(2)
                    .flatten().dense(800).relu().dense(10);
        }
    };

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

    abstract LayerStack layers(LayerStack input, int k);

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
