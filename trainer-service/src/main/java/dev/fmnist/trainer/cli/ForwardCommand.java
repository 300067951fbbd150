package dev.fmnist.trainer.cli;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.engine.inference.InferenceModel;
import dev.fmnist.engine.runtime.ComputeEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The raw forward pass serving runs, timed per batch size on real test images: one JSON line each. */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Measure an artefact's forward pass (images/s, and each pass's p50 and p99) at each batch size, "
                + "as the inference service runs it.")
public final class ForwardCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--artefact", required = true, description = "an artefact file (train --out, or from fmnist.models)")
    Path artefact;

    @Option(names = "--batch", split = ",", defaultValue = "1,64,256", description = "batch sizes (default: ${DEFAULT-VALUE})")
    List<Integer> batches;

    @Option(names = "--seconds", defaultValue = "3",
            description = "timed seconds per batch size, after a second untimed (default: ${DEFAULT-VALUE})")
    double seconds;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (default: PyTorch's choice)")
    int threads;

    @Option(names = "--data-dir", description = "directory searched first for the four idx files")
    Path dataDir;

    @Option(names = "--forward", defaultValue = "torchscript",
            description = "how the model runs: torchscript (one libtorch call a pass, as served by default) or block "
                    + "(DJL's layers) (default: ${DEFAULT-VALUE})")
    String forward;

    @Override
    public Integer call() throws IOException {
        ForwardForm form;
        try {
            form = ForwardForm.parse("--forward", forward);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (!(seconds > 0)) {
            throw new ParameterException(spec.commandLine(), "--seconds: expected above 0, got " + seconds);
        }
        ComputeEngine engine = ComputeEngine.builder().optThreads(threads).build();
        FashionMnist.Split test = FashionMnistLoader.builder().optDataDir(dataDir).build().load().test();
        int largest = batches.stream().mapToInt(Integer::intValue).max().orElse(1);
        if (batches.stream().anyMatch(b -> b < 1 || b > test.size())) {
            throw new IllegalArgumentException("--batch: each must be between 1 and " + test.size() + ", got " + batches);
        }
        float[] pixels = new float[largest * FashionMnist.PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = Pixels.scale(test.images()[i]);
        }
        JsonLines lines = new JsonLines(spec.commandLine().getOut());
        try (InferenceModel model = InferenceModel.load(ArtefactCodec.decode(Files.readAllBytes(artefact)), engine, form)) {
            for (int batch : batches) {
                InferenceModel.PassTimes passes = model.timePasses(pixels, batch, seconds);
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("model", model.manifest().networkSpec().servingName());
                row.put("version", model.manifest().version());
                row.put("device", engine.device().toString());
                row.put("forward", model.form().wire());
                row.put("threads", engine.threads());
                row.put("onednn_max_cpu_isa", engine.oneDnnIsaCap());
                row.put("batch", batch);
                row.put("images_per_second", Math.round(passes.imagesPerSecond() * 10) / 10.0);
                row.put("ms_per_batch", microseconds(passes.meanMs()));
                row.put("p50_ms", microseconds(passes.p50Ms()));
                row.put("p99_ms", microseconds(passes.p99Ms()));
                lines.print(row);
            }
        }
        return 0;
    }

    /** Milliseconds to the microsecond: what a pass's timing can tell. */
    private static double microseconds(double ms) {
        return Math.round(ms * 1000) / 1000.0;
    }
}
