package dev.fmnist.contract.data;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An idx file (the MNIST format) of unsigned bytes: a big-endian header {0, 0, 0x08, rank}, one
 * 32-bit size per dimension, then exactly the product of the sizes in bytes.
 *
 * @param dimensions the size of each dimension, outermost first
 * @param payload the values, row-major
 */
public record IdxFile(int[] dimensions, byte[] payload) {

    private static final int UNSIGNED_BYTE_TYPE = 0x08;
    private static final int HEADER_BYTES = 4;
    private static final int DIMENSION_BYTES = 4;
    private static final int GZIP_MAGIC_1 = 0x1f;
    private static final int GZIP_MAGIC_2 = 0x8b;

    /** Number of items, the size of the first dimension. */
    public int count() {
        return dimensions[0];
    }

    /** Reads a raw or gzip-compressed idx file (gzip recognised by its magic bytes, not the name). */
    public static IdxFile read(Path file) {
        return parse(file.toString(), decompressedBytes(file));
    }

    /** The file's bytes after gunzipping when it is gzip: the content the integrity checks hash. */
    public static byte[] decompressedBytes(Path file) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (raw.length < 2 || (raw[0] & 0xff) != GZIP_MAGIC_1 || (raw[1] & 0xff) != GZIP_MAGIC_2) {
            return raw;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
            return in.readAllBytes();
        } catch (EOFException e) {
            throw new DatasetException(file + ": gzip stream is truncated", e);
        } catch (ZipException e) {
            throw new DatasetException(file + ": corrupt gzip data (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot decompress (" + e.getMessage() + ")", e);
        }
    }

    /** Parses idx content; {@code name} is used in error messages. */
    public static IdxFile parse(String name, byte[] content) {
        if (content.length < HEADER_BYTES) {
            throw new DatasetException(name + ": " + content.length + " bytes is too short for an idx header");
        }
        ByteBuffer buffer = ByteBuffer.wrap(content); // big-endian, as idx is
        int zero = buffer.getShort() & 0xffff;
        int type = buffer.get() & 0xff;
        int rank = buffer.get() & 0xff;
        if (zero != 0 || type != UNSIGNED_BYTE_TYPE) {
            throw new DatasetException(String.format(
                    "%s: wrong magic number 0x%08x, expected 0x000008NN (an unsigned-byte idx file)",
                    name, ByteBuffer.wrap(content, 0, HEADER_BYTES).getInt()));
        }
        if (rank == 0 || content.length < HEADER_BYTES + rank * DIMENSION_BYTES) {
            throw new DatasetException(name + ": header declares " + rank + " dimensions but the file has "
                    + content.length + " bytes");
        }
        int[] dimensions = new int[rank];
        long expected = 1;
        for (int i = 0; i < rank; i++) {
            dimensions[i] = buffer.getInt();
            if (dimensions[i] < 0) {
                throw new DatasetException(name + ": dimension " + i + " is negative (" + dimensions[i] + ")");
            }
            expected *= dimensions[i];
        }
        long actual = content.length - buffer.position();
        if (actual != expected) {
            throw new DatasetException(String.format("%s: %s, header %s promises %d payload bytes but %d are there",
                    name, actual < expected ? "truncated" : "trailing garbage",
                    Arrays.toString(dimensions), expected, actual));
        }
        return new IdxFile(dimensions, Arrays.copyOfRange(content, buffer.position(), content.length));
    }

    /** Encodes as raw idx; used to write test fixtures and subsets. */
    public byte[] toBytes() {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + dimensions.length * DIMENSION_BYTES + payload.length);
        buffer.putShort((short) 0).put((byte) UNSIGNED_BYTE_TYPE).put((byte) dimensions.length);
        for (int d : dimensions) {
            buffer.putInt(d);
        }
        return buffer.put(payload).array();
    }
}
