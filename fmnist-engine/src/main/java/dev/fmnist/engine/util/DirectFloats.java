package dev.fmnist.engine.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * One direct buffer of floats, reused for every array handed to DJL from the same place. DJL wraps a
 * direct buffer in a CPU tensor without copying it; a heap array it first copies into a new direct
 * buffer, which only the garbage collector frees, so native memory grows with every array until a
 * collection runs (190 MB an epoch for augmented training batches). The tensor reads the buffer in
 * place, so it is written again only once the array made from it is closed. Not thread-safe: one per
 * thread or per loop.
 */
public final class DirectFloats {

    private ByteBuffer buffer = ByteBuffer.allocateDirect(0);

    /** Room for {@code count} floats from index 0, in native order; the buffer grows when it must. */
    public FloatBuffer forWriting(int count) {
        int bytes = Math.multiplyExact(count, Float.BYTES);
        if (buffer.capacity() < bytes) {
            buffer = ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
        }
        return buffer.clear().order(ByteOrder.nativeOrder()).asFloatBuffer();
    }

    /** The first {@code count} floats written, as the direct buffer {@code NDManager.create} takes. */
    public ByteBuffer written(int count) {
        return buffer.clear().limit(Math.multiplyExact(count, Float.BYTES)).slice();
    }
}
