package dev.fmnist.contract.training;

/** How a network's weights start. */
public enum Initialization {
    /**
     * PyTorch's default for Conv2d and Linear: kaiming-uniform with a = sqrt(5) for the weight and
     * uniform in +-1/sqrt(fan_in) for the bias, which both come to U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
     * The default, so curves compare epoch by epoch with the seed's and the peer's.
     */
    PYTORCH,
    /** DJL's Xavier for weights, zero biases. */
    XAVIER
}
