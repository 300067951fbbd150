package dev.fmnist.loadgen;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.contract.images.GrayImage;
import dev.fmnist.contract.images.PhotoConversion;
import dev.fmnist.contract.images.PhotoRenders;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.runtime.ComputeEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * A model's accuracy on product-photo renders against the same images as pixels, offline: each image
 * rendered in every style ({@link PhotoRenders}, seed = {@code --photo-seed} plus its index), decoded subsampled and converted as
 * the inference service does ({@link PhotoConversion}), classified in one batch. On the test split for
 * reporting, or on a validation split held out exactly as the trainer holds it out, for choosing.
 */
@Command(name = "photo-accuracy", mixinStandardHelpOptions = true,
        description = "A model's accuracy on product-photo renders of Fashion-MNIST images, beside the images themselves.")
public final class PhotoAccuracy implements Callable<Integer> {

    @Parameters(index = "0", description = "the artefact (bin/trainer train --out FILE)")
    Path artefact;

    @Option(names = "--split", defaultValue = "test",
            description = "test, or val:SEED: the images a run with --validation-split and --seed SEED held out (default: ${DEFAULT-VALUE})")
    String split;

    @Option(names = "--validation-split", defaultValue = "5000", description = "the images the run held out (default: ${DEFAULT-VALUE})")
    int held;

    @Option(names = "--photo-seed", defaultValue = "0",
            description = "image i is rendered with seed PHOTO_SEED + i (default: ${DEFAULT-VALUE})")
    long photoSeed;

    @Option(names = "--images", defaultValue = "2000", description = "images of the split, from its first (default: ${DEFAULT-VALUE})")
    int images;

    public static void main(String[] args) {
        System.exit(new CommandLine(new PhotoAccuracy()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        FashionMnist data = FashionMnistLoader.builder().build().load();
        FashionMnist.Split chosen = split.equals("test") ? data.test()
                : data.train().holdOut(held, Long.parseLong(split.substring(split.indexOf(':') + 1)))[0];
        int n = Math.min(images, chosen.size());
        try (InferenceModel model = InferenceModel.load(ArtefactCodec.decode(Files.readAllBytes(artefact)),
                ComputeEngine.builder().build())) {
            float[] pixels = new float[n * FashionMnist.PIXELS];
            Pixels.scale(chosen.images(), 0, pixels, 0, pixels.length);
            double raw = accuracy(model.classify(pixels, n), chosen);
            System.out.printf(Locale.ROOT, "%s, %s split, %d images%n%-12s %s%n%-12s %.4f%n", artefact, split, n,
                    "style", "accuracy", "pixels", raw);
            for (PhotoRenders.Style style : PhotoRenders.Style.values()) {
                for (int i = 0; i < n; i++) {
                    byte[] photo = PhotoRenders.encoded(chosen.images(), i * FashionMnist.PIXELS, style,
                            photoSeed + i);
                    byte[] levels = PhotoConversion.convert(GrayImage.of(PhotoConversion.decode(photo))).levels();
                    Pixels.scale(levels, 0, pixels, i * FashionMnist.PIXELS, FashionMnist.PIXELS);
                }
                System.out.printf(Locale.ROOT, "%-12s %.4f%n", style.id(), accuracy(model.classify(pixels, n), chosen));
            }
        }
        return 0;
    }

    private static double accuracy(float[][] probabilities, FashionMnist.Split split) {
        int correct = 0;
        for (int i = 0; i < probabilities.length; i++) {
            int best = 0;
            for (int c = 1; c < probabilities[i].length; c++) {
                if (probabilities[i][c] > probabilities[i][best]) {
                    best = c;
                }
            }
            if (best == split.labels()[i]) {
                correct++;
            }
        }
        return correct / (double) probabilities.length;
    }
}
