package dev.fmnist.contract.artefacts;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.util.Sha256;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What an artefact says about itself: enough to rebuild the network, judge the model and trace how it
 * was made.
 *
 * @param formatVersion the artefact layout version, {@link #FORMAT_VERSION}
 * @param architecture registry name of the network
 * @param k the network's kernel-size option, or null
 * @param experimentId the experiment that trained it, or null for a local run
 * @param hyperParameters the recipe, seed included
 * @param trainImages training images used
 * @param epochs per-epoch metrics
 * @param testAccuracy test-set accuracy of the saved parameters
 * @param parameterCount trainable parameters
 * @param device where it was trained
 * @param djlVersion DJL version that wrote it
 * @param pytorchVersion libtorch version that trained it
 * @param createdAt ISO-8601 instant the artefact was written
 * @param parametersSha256 sha256 of the parameter bytes, hex
 * @param testPredicted how many test images the network predicted as each class ({@value #CLASSES} counts
 *     summing to the test set's size): the class mix served predictions are compared with for drift;
 *     null in manifests written before it was recorded
 */
public record ModelManifest(
        int formatVersion,
        String architecture,
        Integer k,
        String experimentId,
        HyperParameters hyperParameters,
        int trainImages,
        List<EpochMetrics> epochs,
        double testAccuracy,
        long parameterCount,
        String device,
        String djlVersion,
        String pytorchVersion,
        String createdAt,
        String parametersSha256,
        int[] testPredicted) {

    public static final int FORMAT_VERSION = 1;
    private static final int VERSION_LENGTH = 12;
    private static final String TEST_TIME_FLIP_SUFFIX = "+testTimeFlip";
    private static final int CLASSES = FashionMnist.CLASSES;

    /** The canonical constructor is the one JSON reads with (the shorter one is for older callers). */
    @JsonCreator
    public ModelManifest {
        testPredicted = testPredicted == null ? null : testPredicted.clone();
    }

    /** A manifest without the test set's predicted classes, as written before they were recorded. */
    public ModelManifest(int formatVersion, String architecture, Integer k, String experimentId,
            HyperParameters hyperParameters, int trainImages, List<EpochMetrics> epochs, double testAccuracy,
            long parameterCount, String device, String djlVersion, String pytorchVersion, String createdAt,
            String parametersSha256) {
        this(formatVersion, architecture, k, experimentId, hyperParameters, trainImages, epochs, testAccuracy,
                parameterCount, device, djlVersion, pytorchVersion, createdAt, parametersSha256, null);
    }

    /**
     * A manifest of the current format for {@code network}: the one place a manifest learns the
     * network's options.
     */
    public static ModelManifest of(NetworkSpec network, String experimentId, HyperParameters hyperParameters,
            int trainImages, List<EpochMetrics> epochs, double testAccuracy, long parameterCount, String device,
            String djlVersion, String pytorchVersion, String createdAt, String parametersSha256) {
        return of(network, experimentId, hyperParameters, trainImages, epochs, testAccuracy, parameterCount, device,
                djlVersion, pytorchVersion, createdAt, parametersSha256, null);
    }

    /** As above, with the test set's predicted-class counts (null when not measured). */
    public static ModelManifest of(NetworkSpec network, String experimentId, HyperParameters hyperParameters,
            int trainImages, List<EpochMetrics> epochs, double testAccuracy, long parameterCount, String device,
            String djlVersion, String pytorchVersion, String createdAt, String parametersSha256,
            int[] testPredicted) {
        return new ModelManifest(FORMAT_VERSION, network.architecture().id(), network.k(), experimentId,
                hyperParameters, trainImages, epochs, testAccuracy, parameterCount, device, djlVersion, pytorchVersion,
                createdAt, parametersSha256, testPredicted);
    }

    /** A copy, or null when the manifest predates it. */
    @Override
    public int[] testPredicted() {
        return testPredicted == null ? null : testPredicted.clone();
    }

    /** The test set's predicted-class counts, when recorded. */
    @JsonIgnore
    public Optional<int[]> testPredictedCounts() {
        return Optional.ofNullable(testPredicted());
    }

    /**
     * Null when {@link #testPredicted} is absent or well-formed ({@value #CLASSES} counts, none negative),
     * else what is wrong with it, naming the field.
     */
    @JsonIgnore
    public String testPredictedProblem() {
        if (testPredicted == null) {
            return null;
        }
        if (testPredicted.length != CLASSES) {
            return "testPredicted: expected " + CLASSES + " counts, got " + testPredicted.length;
        }
        for (int c = 0; c < CLASSES; c++) {
            if (testPredicted[c] < 0) {
                return "testPredicted: [" + c + "] is negative: " + testPredicted[c];
            }
        }
        return null;
    }

    /** The network this manifest names; throws when the name or options are not valid. */
    public NetworkSpec networkSpec() {
        return NetworkSpec.of(architecture, k);
    }

    /**
     * Short content-derived version of the model as served: the first 12 hex digits of the parameters'
     * sha256; see {@link #version(String, boolean)}.
     */
    @JsonIgnore
    public String version() {
        return version(parametersSha256, testTimeFlip());
    }

    /** Whether the model is served with test-time flips, as its recipe says (off for a manifest without one). */
    @JsonIgnore
    public boolean testTimeFlip() {
        return hyperParameters != null && hyperParameters.augmentation().testTimeFlip();
    }

    /**
     * The version of parameters with this sha256, served with or without test-time flips: the first 12
     * hex digits of the sha256, or, with flips, of the sha256 of that sha256 followed by
     * {@value #TEST_TIME_FLIP_SUFFIX}. The same parameters served two ways answer differently, so they
     * are two versions; the models topic's version header is checked against this.
     */
    public static String version(String parametersSha256, boolean testTimeFlip) {
        String hex = testTimeFlip
                ? Sha256.hex((parametersSha256 + TEST_TIME_FLIP_SUFFIX).getBytes(StandardCharsets.UTF_8))
                : parametersSha256;
        return hex.substring(0, Math.min(VERSION_LENGTH, hex.length()));
    }

    /** Value equality, the counts' array included. */
    @Override
    public boolean equals(Object other) {
        return other instanceof ModelManifest m && formatVersion == m.formatVersion
                && Objects.equals(architecture, m.architecture) && Objects.equals(k, m.k)
                && Objects.equals(experimentId, m.experimentId) && Objects.equals(hyperParameters, m.hyperParameters)
                && trainImages == m.trainImages && Objects.equals(epochs, m.epochs)
                && Double.compare(testAccuracy, m.testAccuracy) == 0 && parameterCount == m.parameterCount
                && Objects.equals(device, m.device) && Objects.equals(djlVersion, m.djlVersion)
                && Objects.equals(pytorchVersion, m.pytorchVersion) && Objects.equals(createdAt, m.createdAt)
                && Objects.equals(parametersSha256, m.parametersSha256) && Arrays.equals(testPredicted, m.testPredicted);
    }

    @Override
    public int hashCode() {
        return Objects.hash(formatVersion, architecture, k, experimentId, trainImages, testAccuracy, parameterCount,
                createdAt, parametersSha256) * 31 + Arrays.hashCode(testPredicted);
    }

    @Override
    public String toString() {
        return "ModelManifest[" + architecture + (k == null ? "" : " k=" + k) + " experiment " + experimentId
                + " sha256 " + parametersSha256 + " testAccuracy " + testAccuracy + " createdAt " + createdAt
                + (testPredicted == null ? "" : " testPredicted " + Arrays.toString(testPredicted)) + "]";
    }
}
