package dev.fmnist.cli.serving;

import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.proto.v1.InputExplanation;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * {@code classify --explain DIR}: the 28x28 gray levels the model read, as the server explained them, written for
 * people to look at: {@code STEM.model-input.png} (28x28, the pixels exactly) and {@code STEM.model-input-x8.png}
 * (224x224, each pixel an 8x8 block), one pair per image, never two images on one name.
 */
public final class ModelInputFiles {

    /** How much the enlarged copy magnifies: nearest neighbour, so every one of the 784 levels stays visible. */
    public static final int ENLARGED = 8;
    public static final String SUFFIX = ".model-input.png";
    public static final String ENLARGED_SUFFIX = ".model-input-x" + ENLARGED + ".png";

    /** One image's pair of files. */
    public record Written(Path modelInput, Path enlarged) {}

    private final Path dir;
    /** Stems taken in this run, lower-cased: {@code a/shirt.png} and {@code b/Shirt.jpg} must not share files. */
    private final Set<String> taken = new HashSet<>();

    private ModelInputFiles(Path dir) {
        this.dir = dir;
    }

    /** The folder {@code dir}, created if missing; a file there, or a folder that cannot be made, is refused. */
    public static ModelInputFiles in(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new CliException(ExitCode.USAGE, "--explain " + dir + ": a file, not a folder (name a folder to write "
                    + "the model's inputs to; it is created if missing)");
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new CliException(ExitCode.USAGE, "--explain " + dir + ": cannot create the folder, " + e.getFile()
                    + " is a file", e);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "--explain " + dir + ": cannot create the folder (" + e + ")", e);
        }
        return new ModelInputFiles(dir);
    }

    /** Writes what the model read of the image named {@code stem}, under a name no other image of this run has. */
    public Written write(String stem, InputExplanation explanation) {
        byte[] pixels = explanation.getPixels().toByteArray();
        if (pixels.length != FashionMnist.PIXELS) {
            throw new IllegalArgumentException("explanation.pixels: expected " + FashionMnist.PIXELS + " gray levels, got "
                    + pixels.length);
        }
        String unique = unique(stem);
        Written written = new Written(dir.resolve(unique + SUFFIX), dir.resolve(unique + ENLARGED_SUFFIX));
        png(gray(pixels, 1), written.modelInput());
        png(gray(pixels, ENLARGED), written.enlarged());
        return written;
    }

    /**
     * One line of what the conversion did, e.g. {@code photo: light background 241 negated, garment 412x580 at (30,12)
     * of 640x480 -> 28x28}, {@code none: 280x280 -> 28x28} or {@code as-sent}.
     */
    public static String describe(InputExplanation e) {
        String source = e.getSourceWidth() + "x" + e.getSourceHeight();
        String side = FashionMnist.IMAGE_SIDE + "x" + FashionMnist.IMAGE_SIDE;
        return switch (e.getConversion()) {
            case "as-sent" -> "as-sent";
            case "photo" -> "photo: " + (e.getNegated() ? "light background " + e.getBackground() + " negated"
                    : "dark background " + e.getBackground() + " kept") + ", garment " + e.getGarmentWidth() + "x"
                    + e.getGarmentHeight() + " at (" + e.getGarmentX() + "," + e.getGarmentY() + ") of " + source + " -> " + side;
            case "none" -> "none: " + (source.equals(side) ? side + " as sent" : source + " -> " + side);
            default -> e.getConversion() + ": " + source + " -> " + side; // a conversion newer than this client
        };
    }

    private String unique(String stem) {
        String base = stem.isBlank() ? "image" : stem;
        String name = base;
        for (int n = 2; !taken.add(name.toLowerCase(Locale.ROOT)); n++) {
            name = base + "-" + n;
        }
        return name;
    }

    /** The 28x28 levels as an 8-bit gray image, each pixel a {@code scale} x {@code scale} block. */
    private static BufferedImage gray(byte[] pixels, int scale) {
        int side = FashionMnist.IMAGE_SIDE * scale;
        BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
        byte[] row = new byte[side];
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                row[x] = pixels[(y / scale) * FashionMnist.IMAGE_SIDE + x / scale];
            }
            image.getRaster().setDataElements(0, y, side, 1, row);
        }
        return image;
    }

    private static void png(BufferedImage image, Path file) {
        try {
            if (!ImageIO.write(image, "png", file.toFile())) {
                throw new IllegalStateException("no PNG writer in this Java runtime");
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "--explain: cannot write " + file + " (" + e.getMessage() + ")", e);
        }
    }
}
