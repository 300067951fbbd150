package dev.fmnist.trainer.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.fmnist.engine.runtime.ComputeEngine;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Measures this machine's float32 matrix-multiply rate through the same engine and threads as
 * training: the ceiling a training epoch's GFLOP/s is judged against.
 */
@Command(name = "matmul", mixinStandardHelpOptions = true,
        description = "Measure the float32 matrix-multiply peak (GFLOP/s) through DJL's PyTorch engine.")
public final class MatmulCommand implements Callable<Integer> {

    private static final double GIGA = 1e9;
    private static final double NANOS_PER_SECOND = 1e9;

    @Spec
    CommandSpec spec;

    @Option(names = "--size", defaultValue = "2048", description = "square matrix side (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--repeats", defaultValue = "10", description = "timed multiplications (default: ${DEFAULT-VALUE})")
    int repeats;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (default: PyTorch's choice)")
    int threads;

    @Override
    public Integer call() {
        ComputeEngine engine = ComputeEngine.builder().optThreads(threads).build();
        double[] gflops = new double[repeats];
        try (NDManager manager = engine.newManager()) {
            NDArray a = manager.randomUniform(-1, 1, new Shape(size, size));
            NDArray b = manager.randomUniform(-1, 1, new Shape(size, size));
            a.matMul(b).close(); // warm-up: thread pool and caches
            for (int i = 0; i < repeats; i++) {
                long start = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // forces completion on asynchronous devices
                }
                double seconds = (System.nanoTime() - start) / NANOS_PER_SECOND;
                gflops[i] = 2.0 * size * size * size / seconds / GIGA;
            }
        }
        Arrays.sort(gflops);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("engine", "djl-pytorch");
        row.put("threads", engine.threads());
        row.put("size", size);
        row.put("gflops_median", Math.round(gflops[repeats / 2] * 10) / 10.0);
        row.put("gflops_best", Math.round(gflops[repeats - 1] * 10) / 10.0);
        new JsonLines(spec.commandLine().getOut()).print(row);
        return 0;
    }
}
