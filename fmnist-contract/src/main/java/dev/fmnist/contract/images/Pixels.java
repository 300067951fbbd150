package dev.fmnist.contract.images;

/**
 * The one preprocessing step of the networks: an 8-bit gray level {@code v} becomes {@code v / 255}, a
 * float in [0, 1], as torchvision's ToTensor() does. Training and every serving path use this class,
 * so what a model is trained on and what it is served cannot drift apart.
 */
public final class Pixels {

    /** The largest 8-bit gray level: the divisor of the scaling. */
    public static final float MAX_LEVEL = 255f;

    private Pixels() {}

    /** One unsigned 8-bit level (the low byte of {@code level}) scaled to [0, 1]. */
    public static float scale(int level) {
        return (level & 0xff) / MAX_LEVEL;
    }

    /** {@code count} unsigned 8-bit levels from {@code from} at {@code offset}, scaled into {@code to} at {@code at}. */
    public static void scale(byte[] from, int offset, float[] to, int at, int count) {
        for (int i = 0; i < count; i++) {
            to[at + i] = scale(from[offset + i]);
        }
    }

    /** Whether {@code value} is a scaled pixel: finite and in [0, 1]. */
    public static boolean isScaled(float value) {
        return Float.isFinite(value) && value >= 0 && value <= 1;
    }
}
