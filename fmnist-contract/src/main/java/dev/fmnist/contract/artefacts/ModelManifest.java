package dev.fmnist.contract.artefacts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import java.util.List;

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
        String parametersSha256) {

    public static final int FORMAT_VERSION = 1;
    private static final int VERSION_LENGTH = 12;

    /**
     * A manifest of the current format for {@code network}: the one place a manifest learns the
     * network's options.
     */
    public static ModelManifest of(NetworkSpec network, String experimentId, HyperParameters hyperParameters,
            int trainImages, List<EpochMetrics> epochs, double testAccuracy, long parameterCount, String device,
            String djlVersion, String pytorchVersion, String createdAt, String parametersSha256) {
        return new ModelManifest(FORMAT_VERSION, network.architecture().id(), network.k(), experimentId,
                hyperParameters, trainImages, epochs, testAccuracy, parameterCount, device, djlVersion, pytorchVersion,
                createdAt, parametersSha256);
    }

    /** The network this manifest names; throws when the name or options are not valid. */
    public NetworkSpec networkSpec() {
        return NetworkSpec.of(architecture, k);
    }

    /** Short content-derived version: the first 12 hex digits of the parameters' sha256. */
    @JsonIgnore
    public String version() {
        return parametersSha256.substring(0, Math.min(VERSION_LENGTH, parametersSha256.length()));
    }
}
