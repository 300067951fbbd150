package dev.fmnist.contract.data;

import java.util.Arrays;

/**
 * The four files of Fashion-MNIST, with the shape and the sha256 of their decompressed content. The
 * gz bytes differ between mirrors and Debian's package, so integrity is checked after gunzip.
 */
public enum FashionMnistFile {
    TRAIN_IMAGES("train-images-idx3-ubyte", new int[] {60_000, 28, 28},
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    TRAIN_LABELS("train-labels-idx1-ubyte", new int[] {60_000},
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
    TEST_IMAGES("t10k-images-idx3-ubyte", new int[] {10_000, 28, 28},
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    TEST_LABELS("t10k-labels-idx1-ubyte", new int[] {10_000},
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");

    private final String stem;
    private final int[] dimensions;
    private final String contentSha256;

    FashionMnistFile(String stem, int[] dimensions, String contentSha256) {
        this.stem = stem;
        this.dimensions = dimensions;
        this.contentSha256 = contentSha256;
    }

    /** File name without the {@code .gz} suffix. */
    public String stem() {
        return stem;
    }

    /** Name as the mirrors serve it. */
    public String gzipName() {
        return stem + ".gz";
    }

    public int[] dimensions() {
        return dimensions.clone();
    }

    public String contentSha256() {
        return contentSha256;
    }

    @Override
    public String toString() {
        return stem + " " + Arrays.toString(dimensions);
    }
}
