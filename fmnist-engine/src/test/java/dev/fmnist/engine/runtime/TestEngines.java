package dev.fmnist.engine.runtime;

import ai.djl.Device;

/** The engine the engine's tests compute with: made here, on the CPU, with PyTorch's default threads. */
public final class TestEngines {

    private static final ComputeEngine CPU = ComputeEngine.builder().optDevice(Device.cpu()).build();

    private TestEngines() {}

    public static ComputeEngine cpu() {
        return CPU;
    }
}
