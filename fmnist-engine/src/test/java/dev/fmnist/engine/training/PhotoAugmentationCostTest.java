package dev.fmnist.engine.training;

import ai.djl.ndarray.NDManager;
import com.sun.management.ThreadMXBean;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.TestEngines;
import java.lang.management.ManagementFactory;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * What the augmentations cost per epoch of the 60,000 training images, on the host, in batches of 250
 * (better-bn's recipe): a benchmark that prints its figures and asserts nothing (timings belong in
 * benchmarks, not tests), so it runs only when asked, with nothing else running:
 * {@code ./mvnw -pl fmnist-engine -am test -Dtest=PhotoAugmentationCostTest -Dfmnist.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@EnabledIfSystemProperty(named = "fmnist.bench", matches = "true")
class PhotoAugmentationCostTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();
    private static final int BATCH = 250;

    @Test
    void printsThePhotoAugmentationsCostPerEpoch() {
        FashionMnist.Split train = IdxFixtures.realData().train();
        long[] order = new long[train.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        epochSeconds(train, order, new Augmentation(2, true, true)); // warm-up: the JIT, ImageIO's plugins
        double none = epochSeconds(train, order, Augmentation.NONE);
        double cropFlip = epochSeconds(train, order, new Augmentation(2, true));
        double photo = epochSeconds(train, order, new Augmentation(0, false, true));
        double all = epochSeconds(train, order, new Augmentation(2, true, true));
        double jpeg = jpegSeconds(train, train.size() / 4);
        System.out.printf("per epoch of %d images: no augmentation %.2f s, crop+flip %.2f s, photo %.2f s, "
                + "crop+flip+photo %.2f s; of which JPEG (a quarter of the images) %.2f s%n",
                train.size(), none, cropFlip, photo, all, jpeg);
    }

    private static double epochSeconds(FashionMnist.Split train, long[] order, Augmentation augmentation) {
        BatchAugmenter augmenter = new BatchAugmenter(train, augmentation, 0);
        long start = System.nanoTime();
        for (int from = 0; from < order.length; from += BATCH) {
            try (NDManager manager = ENGINE.newManager()) {
                augmenter.images(manager, order, from, Math.min(order.length, from + BATCH));
            }
        }
        return (System.nanoTime() - start) / 1e9;
    }

    private static double jpegSeconds(FashionMnist.Split train, int images) {
        JpegRoundTrip jpeg = new JpegRoundTrip();
        Random random = new Random(0);
        float[] pixels = new float[FashionMnist.PIXELS];
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocated = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        for (int i = 0; i < images; i++) {
            Pixels.scale(train.images(), i * FashionMnist.PIXELS, pixels, 0, FashionMnist.PIXELS);
            jpeg.apply(pixels, PhotoAugmenter.MIN_JPEG_QUALITY
                    + random.nextInt(PhotoAugmenter.MAX_JPEG_QUALITY - PhotoAugmenter.MIN_JPEG_QUALITY + 1));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("JPEG allocates %d bytes per image (garbage for the young generation)%n",
                (threads.getCurrentThreadAllocatedBytes() - allocated) / images);
        return seconds;
    }
}
