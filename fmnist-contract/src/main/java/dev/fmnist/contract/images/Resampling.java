package dev.fmnist.contract.images;

/**
 * Separable resizing of a float image. Shrinking averages the area each output pixel covers (every
 * source pixel counts once, with its overlap as weight), which is the anti-aliasing a large photo needs
 * on its way to 28 pixels; growing interpolates bilinearly between pixel centres.
 */
final class Resampling {

    private Resampling() {}

    /** {@code source} ({@code width x height}, row-major) resized to {@code toWidth x toHeight}. */
    static float[] resize(float[] source, int width, int height, int toWidth, int toHeight) {
        Axis columns = Axis.of(width, toWidth);
        Axis rows = Axis.of(height, toHeight);
        float[] wide = new float[toWidth * height];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < toWidth; x++) {
                wide[y * toWidth + x] = columns.sample(source, y * width, 1, x);
            }
        }
        float[] resized = new float[toWidth * toHeight];
        for (int y = 0; y < toHeight; y++) {
            for (int x = 0; x < toWidth; x++) {
                resized[y * toWidth + x] = rows.sample(wide, x, toWidth, y);
            }
        }
        return resized;
    }

    /** For each output position along one axis, the source positions it reads and their weights (summing to 1). */
    private record Axis(int[][] positions, float[][] weights) {

        static Axis of(int from, int to) {
            int[][] positions = new int[to][];
            float[][] weights = new float[to][];
            double scale = (double) from / to;
            for (int i = 0; i < to; i++) {
                if (scale >= 1) { // area: the source interval [i * scale, (i + 1) * scale)
                    double lo = i * scale;
                    double hi = Math.min(from, (i + 1) * scale);
                    int first = (int) Math.floor(lo);
                    int end = Math.min(from, (int) Math.ceil(hi));
                    positions[i] = new int[end - first];
                    weights[i] = new float[end - first];
                    for (int j = first; j < end; j++) {
                        positions[i][j - first] = j;
                        weights[i][j - first] = (float) ((Math.min(hi, j + 1) - Math.max(lo, j)) / scale);
                    }
                } else { // bilinear between the two nearest source centres
                    double centre = Math.min(from - 1, Math.max(0, (i + 0.5) * scale - 0.5));
                    int j = (int) Math.floor(centre);
                    float f = (float) (centre - j);
                    positions[i] = new int[] {j, Math.min(j + 1, from - 1)};
                    weights[i] = new float[] {1 - f, f};
                }
            }
            return new Axis(positions, weights);
        }

        /** Output position {@code i} from {@code source} read at {@code base + position * stride}. */
        float sample(float[] source, int base, int stride, int i) {
            float sum = 0;
            int[] p = positions[i];
            float[] w = weights[i];
            for (int k = 0; k < p.length; k++) {
                sum += w[k] * source[base + p[k] * stride];
            }
            return sum;
        }
    }
}
