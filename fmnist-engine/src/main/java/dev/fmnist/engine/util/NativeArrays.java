package dev.fmnist.engine.util;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.function.Consumer;

/**
 * Arrays filled from Java straight into their own native memory, which their manager frees when it
 * closes.
 *
 * <p>Why: DJL turns a Java array, or a heap buffer, into a tensor by copying it into a new direct
 * buffer that the tensor then reads in place, and a direct buffer is freed only when the garbage
 * collector finds it. With a large, rarely collected heap those buffers pile up: a trainer JVM held
 * 11 MB more after every experiment (the staging copy of its images) until a collection, and the
 * allocator, which keeps freed pages for the next batch, grew by a whole activation buffer around
 * them (bench/trainer-rss.sh). Here the array is allocated by libtorch, uninitialised, and written
 * through the direct buffer DJL gives over its memory, so nothing is left for the collector.
 */
public final class NativeArrays {

    private NativeArrays() {}

    /** A float32 array of {@code shape} on the manager's device, its values written by {@code writer}. */
    public static NDArray floats(NDManager manager, Shape shape, Consumer<FloatBuffer> writer) {
        return filled(manager, shape, DataType.FLOAT32, bytes -> writer.accept(bytes.asFloatBuffer()));
    }

    /** An int64 array of {@code count} values from {@code values[from]}, on the manager's device. */
    public static NDArray longs(NDManager manager, long[] values, int from, int count) {
        return filled(manager, new Shape(count), DataType.INT64,
                bytes -> bytes.asLongBuffer().put(values, from, count));
    }

    /** A uint8 array of {@code shape} holding {@code values}, on the manager's device. */
    public static NDArray unsignedBytes(NDManager manager, Shape shape, byte[] values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException(shape + " holds " + shape.size() + " values, got " + values.length);
        }
        return filled(manager, shape, DataType.UINT8, bytes -> bytes.put(values));
    }

    private static NDArray filled(NDManager manager, Shape shape, DataType type, Consumer<ByteBuffer> writer) {
        Device device = manager.getDevice();
        if (!device.equals(Device.cpu())) { // a device array's buffer is a host copy: fill one on the host, copy it over
            try (NDManager host = manager.newSubManager(Device.cpu())) {
                NDArray copy = filled(host, shape, type, writer).toDevice(device, true);
                copy.attach(manager);
                return copy;
            }
        }
        NDArray array = manager.create(shape, type);
        ByteBuffer memory = array.toByteBuffer(true);
        if (!memory.isDirect() || memory.capacity() != shape.size() * type.getNumOfBytes()) {
            array.close();
            throw new IllegalStateException("the engine gave no direct view of a new " + type + " array " + shape);
        }
        writer.accept(memory);
        return array;
    }
}
