package dev.fmnist.inference.serving;

import com.google.protobuf.ByteString;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.images.ExifOrientation;
import dev.fmnist.contract.images.GrayImage;
import dev.fmnist.contract.images.PhotoConversion;
import dev.fmnist.proto.v1.Conversion;
import io.grpc.StatusRuntimeException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.w3c.dom.Node;

/**
 * Decodes a PNG or JPEG into the 784 gray levels the model reads, with bounded work: the format and the
 * dimensions come from the header before any pixel is decoded, so a small file that declares a huge
 * image (a decompression bomb) is refused in microseconds, and a large honest image is read subsampled,
 * so the decoded raster stays near {@link #DECODE_SIDE} pixels a side whatever the source size. Then
 * the request's conversion: a photo becomes Fashion-MNIST's form ({@link PhotoConversion}); a
 * dataset-style image, or any image under CONVERSION_NONE, is read as gray levels as sent.
 */
final class EncodedImage {

    /** The formats accepted, as ImageIO names them; anything else is refused by name. */
    static final Set<String> FORMATS = Set.of("png", "jpeg");
    /** Source images are read subsampled to about this many pixels a side before they are fitted to 28x28. */
    static final int DECODE_SIDE = PhotoConversion.DECODE_SIDE;
    /** The JPEG reader's native metadata format, whose marker sequence holds the APP1 (EXIF) segment. */
    private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";
    private static final int APP1 = 0xE1;
    private static final int SIDE = FashionMnist.IMAGE_SIDE;

    private EncodedImage() {}

    /** The image's model input; INVALID_ARGUMENT naming {@code field} when it cannot be one. */
    static ModelInput decode(ByteString bytes, Conversion conversion, boolean resize, int maxSide, String field) {
        Decoded decoded = read(bytes, conversion, resize, maxSide, field + ".encoded");
        // outside read's catch: a failure here is the service's own (INTERNAL), not a bad image
        if (conversion == Conversion.CONVERSION_NONE) {
            return new ModelInput(grayLevels(decoded.image()), ModelInput.NONE, decoded.width(), decoded.height(), null,
                    null);
        }
        return converted(decoded, conversion);
    }

    /**
     * A decoded image, its size as sent, the subsampling step it was read with, and its EXIF orientation
     * ({@link ExifOrientation#NORMAL} but for a JPEG from a camera held sideways).
     */
    private record Decoded(BufferedImage image, int width, int height, int step, int orientation) {}

    /** Reads the image as bounded work; every failure of the decoder on these bytes is the client's. */
    private static Decoded read(ByteString bytes, Conversion conversion, boolean resize, int maxSide, String where) {
        // read in place, cached in memory: no copy of the request's bytes, and no temporary file per image
        // (ImageIO.createImageInputStream caches to disk whenever ImageIO's cache is on, its default)
        try (ImageInputStream in = new MemoryCacheImageInputStream(bytes.newInput())) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw ImageInput.invalid(where + ": not a decodable PNG or JPEG (" + bytes.size() + " bytes)");
            }
            ImageReader reader = readers.next();
            try {
                String format = reader.getFormatName().toLowerCase(Locale.ROOT);
                if (!FORMATS.contains(format)) {
                    throw ImageInput.invalid(where + ": " + format.toUpperCase(Locale.ROOT)
                            + " images are not accepted; send PNG or JPEG");
                }
                reader.setInput(in, true, true);
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                if (width > maxSide || height > maxSide || width < 1 || height < 1) {
                    throw ImageInput.invalid(where + ": the image is " + width + "x" + height
                            + " pixels; at most " + maxSide + "x" + maxSide + " are accepted");
                }
                if (conversion == Conversion.CONVERSION_NONE) {
                    if (!resize && (width != SIDE || height != SIDE)) {
                        throw ImageInput.invalid(where + ": expected a 28x28 image, got " + width + "x" + height
                                + " (set resize to scale it, or conversion to CONVERSION_AUTO or CONVERSION_PHOTO)");
                    }
                    // each axis subsampled on its own, then stretched to 28x28: the service before conversion existed
                    ImageReadParam param = reader.getDefaultReadParam();
                    param.setSourceSubsampling(Math.max(1, width / DECODE_SIDE), Math.max(1, height / DECODE_SIDE), 0, 0);
                    return new Decoded(reader.read(0, param), width, height, 1, ExifOrientation.NORMAL);
                }
                // both axes by one step, so a photo keeps its aspect
                return new Decoded(PhotoConversion.readSubsampled(reader), width, height,
                        PhotoConversion.decodeStep(width, height), orientation(reader));
            } finally {
                reader.dispose();
            }
        } catch (StatusRuntimeException refusal) {
            throw refusal; // ours, naming what was wrong
        } catch (IOException | RuntimeException e) { // the decoder's, on bytes that are not what they claim
            throw ImageInput.invalid(where + ": not a decodable PNG or JPEG (" + bytes.size() + " bytes): "
                    + e.getClass().getSimpleName());
        }
    }

    /** A JPEG's EXIF orientation, from its APP1 segment; {@link ExifOrientation#NORMAL} for a PNG or when unreadable. */
    private static int orientation(ImageReader reader) {
        try {
            IIOMetadata metadata = reader.getImageMetadata(0);
            if (metadata == null || !Arrays.asList(metadata.getMetadataFormatNames()).contains(JPEG_METADATA)) {
                return ExifOrientation.NORMAL;
            }
            Node markers = metadata.getAsTree(JPEG_METADATA).getLastChild();
            for (Node marker = markers.getFirstChild(); marker != null; marker = marker.getNextSibling()) {
                if (marker instanceof IIOMetadataNode node && "unknown".equals(node.getNodeName())
                        && String.valueOf(APP1).equals(node.getAttribute("MarkerTag"))
                        && node.getUserObject() instanceof byte[] payload) {
                    int orientation = ExifOrientation.of(payload);
                    if (orientation != ExifOrientation.NORMAL) {
                        return orientation;
                    }
                }
            }
            return ExifOrientation.NORMAL;
        } catch (IOException | RuntimeException e) { // metadata the pixels do not need: read the photo as stored
            return ExifOrientation.NORMAL;
        }
    }

    /**
     * Under CONVERSION_AUTO a 28x28 opaque image with a dark border is the dataset's own form and is
     * read exactly as CONVERSION_NONE reads it; everything else is converted as a photo, turned upright
     * first if its EXIF orientation says so.
     */
    private static ModelInput converted(Decoded decoded, Conversion conversion) {
        GrayImage gray = GrayImage.of(decoded.image());
        boolean dataSized = decoded.width() == SIDE && decoded.height() == SIDE;
        if (conversion == Conversion.CONVERSION_AUTO && dataSized && decoded.orientation() == ExifOrientation.NORMAL
                && !gray.transparent() && !PhotoConversion.background(gray).light()) {
            return ModelInput.asSent(grayLevels(decoded.image()));
        }
        PhotoConversion.Result photo = PhotoConversion.convert(ExifOrientation.upright(gray, decoded.orientation()));
        // the garment's box in the photo's own pixels as seen (upright): the decode's times the step, clipped
        boolean turned = decoded.orientation() >= ExifOrientation.TRANSPOSED;
        int seenWidth = turned ? decoded.height() : decoded.width();
        int seenHeight = turned ? decoded.width() : decoded.height();
        int step = decoded.step();
        PhotoConversion.Box box = photo.garment();
        PhotoConversion.Box seen = new PhotoConversion.Box(box.x() * step, box.y() * step,
                Math.min(seenWidth - box.x() * step, box.width() * step),
                Math.min(seenHeight - box.y() * step, box.height() * step));
        return new ModelInput(photo.levels(), ModelInput.PHOTO, decoded.width(), decoded.height(), photo.background(),
                seen);
    }

    /** Bilinear resize to 28x28 gray by Java 2D (a copy for a 28x28 gray image). */
    private static byte[] grayLevels(BufferedImage decoded) {
        BufferedImage gray = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = gray.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(decoded, 0, 0, SIDE, SIDE, null);
        g.dispose();
        return ((DataBufferByte) gray.getRaster().getDataBuffer()).getData();
    }
}
