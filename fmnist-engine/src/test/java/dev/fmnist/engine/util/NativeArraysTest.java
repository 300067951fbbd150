package dev.fmnist.engine.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class NativeArraysTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    private static final int MILLION = 1_000_000;

    @Test
    void valuesArriveInTheirOwnTypeAndShape() {
        try (NDManager manager = ENGINE.newManager()) {
            NDArray floats = NativeArrays.floats(manager, new Shape(2, 3), b -> b.put(new float[] {1, 2, 3, 4, 5, 6}));
            assertThat(floats.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(floats.getShape()).isEqualTo(new Shape(2, 3));
            assertThat(floats.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);

            NDArray longs = NativeArrays.longs(manager, new long[] {9, 8, 7, 6, 5}, 1, 3);
            assertThat(longs.getDataType()).isEqualTo(DataType.INT64);
            assertThat(longs.toLongArray()).containsExactly(8, 7, 6);

            NDArray bytes = NativeArrays.unsignedBytes(manager, new Shape(1, 4), new byte[] {0, 1, (byte) 200, (byte) 255});
            assertThat(bytes.getDataType()).isEqualTo(DataType.UINT8);
            assertThat(bytes.toType(DataType.INT32, false).toIntArray()).containsExactly(0, 1, 200, 255);
        }
    }

    @Test
    void aShapeThatDoesNotFitTheValuesIsRefused() {
        try (NDManager manager = ENGINE.newManager()) {
            assertThatThrownBy(() -> NativeArrays.unsignedBytes(manager, new Shape(2, 2), new byte[3]))
                    .hasMessage("(2, 2) holds 4 values, got 3");
        }
    }

    /** The point of the class: the memory is libtorch's, freed with the manager, never a direct buffer. */
    @Test
    void noDirectBufferIsLeftForTheGarbageCollector() {
        try (NDManager manager = ENGINE.newManager()) {
            NativeArrays.floats(manager, new Shape(1, 1), b -> b.put(0f)); // the engine's own first-use buffers
            long before = directBytes();
            for (int i = 0; i < 20; i++) {
                NativeArrays.floats(manager, new Shape(MILLION), b -> b.put(MILLION - 1, 1f)).close();
            }
            // DJL's path from a Java array would leave 80 MB of direct buffers here until a collection
            assertThat(directBytes() - before).as("direct buffer bytes after 80 MB of arrays").isLessThan(MILLION);
        }
    }

    private static long directBytes() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
    }
}
