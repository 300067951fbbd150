package dev.fmnist.engine.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.fmnist.engine.networks.ConvLayer;
import dev.fmnist.engine.networks.Networks;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The regression test for oneDNN's faulty kernels on some AVX2/AVX-512 CPUs: every convolution the
 * registry trains, forward and backward, with the kernels this CPU really runs (the ISA cap
 * bin/onednn-isa chose for it, under bin/test), against float64, repeatably.
 */
class ConvolutionCheckTest {

    private static final ComputeEngine ENGINE = TestEngines.cpu();

    /** BetterNet's first convolution: 1 channel in, 40 out, padding 1. */
    private static final ConvLayer BETTER_FIRST = new ConvLayer(1, 28, 28, 40, 3, 1);
    /** BetterNet's second: 40 in, 80 out, the largest of the registry. */
    private static final ConvLayer BETTER_SECOND = new ConvLayer(40, 14, 14, 80, 3, 0);

    /**
     * bin/test runs the tests with the cap bin/onednn-isa chose for this CPU (FMNIST_ONEDNN_ISA), as the
     * launchers run every JVM; run without it, there is no cap and the checks below judge oneDNN's own choice.
     */
    @Test
    void theTestsRunTheKernelsTheLaunchersChooseForThisCpu() {
        String cap = System.getenv(ComputeEngine.ONEDNN_ISA_VARIABLE);
        String chosen = System.getenv("FMNIST_ONEDNN_ISA");
        assertThat(cap == null || cap.equalsIgnoreCase("ALL") ? "ALL" : cap)
                .as("%s=%s hides the kernels users run here (bin/onednn-isa chose %s)", ComputeEngine.ONEDNN_ISA_VARIABLE,
                        cap, chosen)
                .isEqualTo(chosen == null ? "ALL" : chosen);
    }

    @Test
    void theRegistryConvolutionsAreBetterNetsCompareNetsAtEachKAndTheBaselines() {
        assertThat(Networks.registryConvolutions()).contains(BETTER_FIRST, BETTER_SECOND,
                new ConvLayer(1, 28, 28, 8, 5, 0), new ConvLayer(8, 12, 12, 12, 3, 2), new ConvLayer(8, 12, 12, 12, 8, 2));
    }

    @Test
    void everyRegistryConvolutionMatchesFloat64InBothLayoutsAtATestBatch() {
        for (ConvLayer layer : Networks.registryConvolutions()) {
            assertPassed(ConvolutionCheck.check(ENGINE, layer, 100, 1));
        }
    }

    @Test
    void betterNetsConvolutionsMatchFloat64AtTheSeedsBatchOf1000() {
        assertPassed(ConvolutionCheck.check(ENGINE, BETTER_FIRST, 1000, 2));
        assertPassed(ConvolutionCheck.check(ENGINE, BETTER_SECOND, 1000, 3));
    }

    @Test
    void theComparisonFlagsAWrongValueAndNaN() {
        try (NDManager manager = ENGINE.newManager()) {
            NDArray reference = manager.create(new double[] {1, -4, 2});
            assertThat(ConvolutionCheck.relativeError(manager.create(new float[] {1, -4, 2}), reference)).isZero();
            assertThat(ConvolutionCheck.relativeError(manager.create(new float[] {1, -4, 2.4f}), reference))
                    .isCloseTo(0.1, within(1e-6));
            assertThat(ConvolutionCheck.relativeError(manager.create(new float[] {1, Float.NaN, 2}), reference)).isNaN();
        }
        ConvolutionCheck.Finding nan = new ConvolutionCheck.Finding(BETTER_FIRST, 1, ConvolutionCheck.Layout.NCHW,
                ConvolutionCheck.Pass.FORWARD, Double.NaN, true);
        ConvolutionCheck.Finding differs = new ConvolutionCheck.Finding(BETTER_FIRST, 1, ConvolutionCheck.Layout.NCHW,
                ConvolutionCheck.Pass.FORWARD, 0, false);
        assertThat(nan.passed()).isFalse();
        assertThat(differs.passed()).isFalse();
    }

    private static void assertPassed(List<ConvolutionCheck.Finding> findings) {
        assertThat(findings).hasSize(ConvolutionCheck.Layout.values().length * ConvolutionCheck.Pass.values().length);
        assertThat(findings).allSatisfy(f -> assertThat(f.passed())
                .as("%s %s %s: relative error %s, repeatable %s", f.layer().describe(f.batch()), f.layout(), f.pass(),
                        f.relativeError(), f.repeatable())
                .isTrue());
    }
}
