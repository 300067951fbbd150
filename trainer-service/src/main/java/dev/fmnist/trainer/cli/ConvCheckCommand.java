package dev.fmnist.trainer.cli;

import dev.fmnist.engine.networks.ConvLayer;
import dev.fmnist.engine.networks.Networks;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.runtime.ConvolutionCheck;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The convolution kernels this machine runs, checked against a float64 reference for every convolution
 * of the registry's networks: one JSON line per layer, batch, layout and pass; exit status 1 if any is off.
 */
@Command(name = "conv-check", mixinStandardHelpOptions = true,
        description = "Check this CPU's float32 convolution kernels (forward, backward data, backward weights, bias) "
                + "against float64 for every convolution the registry trains; exit 1 on a wrong or non-repeatable one.")
public final class ConvCheckCommand implements Callable<Integer> {

    /** The largest minibatch worth checking: the float64 reference of the largest layer takes seconds there. */
    private static final int MAX_BATCH = 4096;

    @Spec
    CommandSpec spec;

    @Option(names = "--batch", split = ",", defaultValue = "100,1000", description = "minibatch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (default: PyTorch's choice)")
    int threads;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the random data (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--fail-fast", description = "stop at the first wrong or non-repeatable kernel (bin/onednn-isa's probe)")
    boolean failFast;

    @Override
    public Integer call() {
        if (batches.stream().anyMatch(b -> b < 1 || b > MAX_BATCH)) {
            throw new IllegalArgumentException("--batch: each must be between 1 and " + MAX_BATCH + ", got " + batches);
        }
        ComputeEngine engine = ComputeEngine.builder().optThreads(threads).build();
        JsonLines lines = new JsonLines(spec.commandLine().getOut());
        int failed = 0;
        int checked = 0;
        checks:
        for (int batch : batches) {
            for (ConvLayer layer : Networks.registryConvolutions()) {
                for (ConvolutionCheck.Finding finding : ConvolutionCheck.check(engine, layer, batch, seed)) {
                    checked++;
                    failed += finding.passed() ? 0 : 1;
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("problem", layer.describe(batch));
                    row.put("layout", finding.layout().name().toLowerCase(Locale.ROOT));
                    row.put("pass", finding.pass().name().toLowerCase(Locale.ROOT));
                    row.put("relative_error", finding.relativeError());
                    row.put("repeatable", finding.repeatable());
                    row.put("passed", finding.passed());
                    lines.print(row);
                    if (failFast && !finding.passed()) {
                        break checks;
                    }
                }
            }
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("final", true);
        summary.put("onednn_max_cpu_isa", engine.oneDnnIsaCap());
        summary.put("threads", engine.threads());
        summary.put("tolerance", ConvolutionCheck.TOLERANCE);
        summary.put("checked", checked);
        summary.put("failed", failed);
        lines.print(summary);
        return failed == 0 ? 0 : 1;
    }
}
