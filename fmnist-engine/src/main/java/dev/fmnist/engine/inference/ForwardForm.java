package dev.fmnist.engine.inference;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a loaded model runs its forward pass. */
public enum ForwardForm {

    /** DJL's block: one JNI call per layer, from Java. */
    BLOCK("block", "pytorch_djl", "djl"),
    /**
     * The same network exported as a TorchScript module (dev.fmnist.engine.torchscript): one call into
     * libtorch per forward pass. Triton calls such a model {@code pytorch_libtorch}.
     */
    TORCHSCRIPT("torchscript", "pytorch_libtorch", "pytorch");

    private final String wire;
    private final String platform;
    private final String backend;

    ForwardForm(String wire, String platform, String backend) {
        this.wire = wire;
        this.platform = platform;
        this.backend = backend;
    }

    /** Its name in settings and model descriptions. */
    public String wire() {
        return wire;
    }

    /** Triton's model configuration {@code platform} for a model run this way. */
    public String platform() {
        return platform;
    }

    /** Triton's model configuration {@code backend} for a model run this way. */
    public String backend() {
        return backend;
    }

    /**
     * The form named {@code value} (case-insensitive).
     *
     * @throws IllegalArgumentException naming {@code field} and the accepted names otherwise
     */
    public static ForwardForm parse(String field, String value) {
        for (ForwardForm form : values()) {
            if (form.wire.equals(value == null ? null : value.trim().toLowerCase(Locale.ROOT))) {
                return form;
            }
        }
        throw new IllegalArgumentException(field + ": expected one of "
                + Arrays.stream(values()).map(ForwardForm::wire).collect(Collectors.joining(", ")) + ", got " + value);
    }
}
