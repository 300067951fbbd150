package dev.fmnist.engine.training;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.Pixels;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStreamImpl;

/**
 * A 28x28 gray image through the JDK's own JPEG encoder and decoder (ImageIO's, libjpeg underneath),
 * so the blocking and ringing are a real JPEG's. One writer, one reader and their buffers serve every
 * call (the augmenter is used by one thread); the stream is in memory, never ImageIO's disk cache. The
 * JDK's disposer frees the codecs' native state once the augmenter is collected.
 */
final class JpegRoundTrip {

    private static final int SIDE = FashionMnist.IMAGE_SIDE;
    /** A 28x28 gray JPEG is under 2 kB at any quality; far above it is a bug, not an image. */
    private static final int MAX_BYTES = 1 << 20;

    private final BufferedImage encoded = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
    private final byte[] encodedLevels = levels(encoded);
    private final BufferedImage decoded = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
    private final byte[] decodedLevels = levels(decoded);
    private final ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    private final ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
    private final ImageWriteParam writeParam = writer.getDefaultWriteParam();
    private final ImageReadParam readParam = reader.getDefaultReadParam();
    private final ReusedBytes bytes = new ReusedBytes();

    JpegRoundTrip() {
        writeParam.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        readParam.setDestination(decoded);
    }

    /**
     * Replaces {@code pixels} (28x28 floats in [0, 1]) by their JPEG at {@code quality} (1..100, the
     * IJG scale), decoded: 8-bit levels scaled back to [0, 1].
     */
    void apply(float[] pixels, int quality) {
        for (int i = 0; i < encodedLevels.length; i++) {
            encodedLevels[i] = (byte) Math.round(Math.min(1f, Math.max(0f, pixels[i])) * Pixels.MAX_LEVEL);
        }
        writeParam.setCompressionQuality(quality / 100f);
        try {
            bytes.rewind(true);
            writer.setOutput(bytes);
            writer.write(null, new IIOImage(encoded, null, null), writeParam);
            bytes.rewind(false);
            reader.setInput(bytes, true, true);
            reader.read(0, readParam);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG round trip of a 28x28 image failed", e);
        } finally {
            writer.setOutput(null);
            reader.setInput(null);
        }
        for (int i = 0; i < decodedLevels.length; i++) {
            pixels[i] = Pixels.scale(decodedLevels[i]);
        }
    }

    /** The size of the last image encoded, in bytes. */
    int lastSize() {
        return bytes.length;
    }

    /**
     * One in-memory stream, written by the encoder and then read by the decoder, over an array kept from
     * image to image: ImageIO's own memory streams allocate their caches afresh each time, about 50 kB
     * an image, which grew the heap of a training run by a quarter of a gigabyte.
     */
    private static final class ReusedBytes extends ImageOutputStreamImpl {
        private byte[] data = new byte[4096];
        private int length;

        /** To position 0; {@code empty} for writing a new image, otherwise for reading the one written. */
        void rewind(boolean empty) {
            if (empty) {
                length = 0;
            }
            streamPos = 0;
            flushedPos = 0;
            bitOffset = 0;
        }

        @Override
        public void write(int b) {
            ensure(1);
            data[(int) streamPos++] = (byte) b;
            length = Math.max(length, (int) streamPos);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            ensure(len);
            System.arraycopy(b, off, data, (int) streamPos, len);
            streamPos += len;
            length = Math.max(length, (int) streamPos);
        }

        @Override
        public int read() {
            bitOffset = 0;
            return streamPos < length ? data[(int) streamPos++] & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            bitOffset = 0;
            if (streamPos >= length) {
                return len == 0 ? 0 : -1;
            }
            int n = Math.min(len, length - (int) streamPos);
            System.arraycopy(data, (int) streamPos, b, off, n);
            streamPos += n;
            return n;
        }

        @Override
        public long length() {
            return length;
        }

        private void ensure(int more) {
            long needed = streamPos + more;
            if (needed > MAX_BYTES) {
                throw new IllegalStateException("a 28x28 JPEG over " + MAX_BYTES + " bytes");
            }
            if (needed > data.length) {
                data = Arrays.copyOf(data, (int) Math.max(needed, 2L * data.length));
            }
        }
    }

    private static byte[] levels(BufferedImage image) {
        return ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
    }
}
