package dev.fmnist.engine.networks;

/**
 * One convolution of a network, as it runs: square kernel, stride 1, with bias, on an input of
 * {@code inChannels x height x width} per image.
 */
public record ConvLayer(int inChannels, int height, int width, int filters, int kernel, int padding) {

    public int outputHeight() {
        return height + 2 * padding - kernel + 1;
    }

    public int outputWidth() {
        return width + 2 * padding - kernel + 1;
    }

    /** oneDNN's own name for the problem at minibatch {@code batch} (as in ONEDNN_VERBOSE lines). */
    public String describe(int batch) {
        return "mb" + batch + "_ic" + inChannels + "oc" + filters + "_ih" + height + "kh" + kernel + "ph" + padding
                + "_iw" + width;
    }
}
