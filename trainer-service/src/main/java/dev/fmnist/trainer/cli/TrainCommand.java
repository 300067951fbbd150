package dev.fmnist.trainer.cli;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.cli.RecipeOptions;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.contract.experiments.ExperimentRequest;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.Initialization;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.networks.Network;
import dev.fmnist.engine.networks.Networks;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import dev.fmnist.engine.training.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains one network locally and prints one JSON object per epoch and a final one, with the field
 * names of the PyTorch peer harness ({@code epoch}, {@code train_seconds}, {@code loss},
 * {@code train_acc}, {@code test_acc}, {@code final}), then writes the artefact. The recipe's flags are
 * {@link RecipeOptions}, the same as {@code fmnist submit}'s; the old spellings of some, this command's
 * alone, are {@link LegacyTrainOptions}.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one network on Fashion-MNIST locally (no Kafka) and write its artefact.")
public final class TrainCommand implements Callable<Integer> {

    private static final double MEGABYTE = 1024.0 * 1024.0;
    private static final double GIGA = 1e9;

    @Spec
    CommandSpec spec;

    @Mixin
    RecipeOptions recipe;

    @Mixin
    LegacyTrainOptions legacy;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (default: PyTorch's choice)")
    int threads;

    @Option(names = "--init", defaultValue = "PYTORCH", description = "PYTORCH or XAVIER (default: ${DEFAULT-VALUE})")
    Initialization initialization;

    @Option(names = "--data-dir", description = "directory searched first for the four idx files")
    Path dataDir;

    @Option(names = "--out", description = "artefact file to write (default: runs/<model>-<time>.zip)")
    Path out;

    /** The request the flags give: the recipe's, then the old spellings' (over the seed's recipe). */
    ExperimentRequest.Builder request() {
        return legacy.applyTo(recipe.applyTo(ExperimentRequest.builder()));
    }

    @Override
    public Integer call() throws IOException {
        // the request's rules, the trainer service's: k only for compare, every option within its bounds
        ExperimentRequest.Builder request = request();
        request.recipe().optInitialization(initialization);
        NetworkSpec network = request.network();
        HyperParameters hp = request.hyperParameters();
        ComputeEngine engine = ComputeEngine.builder().optThreads(threads).build();
        FashionMnist data = FashionMnistLoader.builder().optDataDir(dataDir).build().load();

        Network shape = Networks.build(network, initialization);
        double flopsPerImage = shape.trainingFlopsPerImage();
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("engine", "djl-pytorch");
        base.put("djl", engine.djlVersion());
        base.put("torch", engine.pytorchVersion());
        base.put("model", network.architecture().id());
        base.put("k", network.k());
        base.put("threads", engine.threads());
        base.put("train_images", data.limitTrain(hp.trainLimit()).train().size());

        JsonLines lines = new JsonLines(spec.commandLine().getOut());
        TrainingResult result = new FashionMnistTrainer(engine).train(network, hp, data, new TrainingObserver() {
            @Override
            public void onEpochEnd(EpochMetrics m) {
                Map<String, Object> row = new LinkedHashMap<>(base);
                row.put("epoch", m.epoch());
                row.put("train_seconds", round(m.trainSeconds(), 3));
                row.put("loss", round(m.loss(), 4));
                if (!Double.isNaN(m.trainAccuracy())) {
                    row.put("train_acc", m.trainAccuracy());
                }
                if (!Double.isNaN(m.valAccuracy())) {
                    row.put("val_acc", m.valAccuracy());
                    row.put("val_loss", round(m.valLoss(), 4));
                }
                row.put("test_acc", m.testAccuracy());
                row.put("eval_seconds", round(m.evalSeconds(), 3));
                row.put("images_per_second", round(m.imagesPerSecond(), 1));
                row.put("gflops", round(m.imagesPerSecond() * flopsPerImage / GIGA, 2));
                row.put("rss_mb", round(m.rssBytes() / MEGABYTE, 1));
                lines.print(row);
            }
        });

        ModelArtefact artefact = ArtefactModels.of(result, null, Instant.now());
        Path target = out != null ? out
                : Path.of("runs", network.label().replaceAll("[^a-z0-9]+", "-") + "-" + System.currentTimeMillis() + ".zip");
        if (target.toAbsolutePath().getParent() != null) {
            Files.createDirectories(target.toAbsolutePath().getParent());
        }
        Files.write(target, ArtefactCodec.encode(artefact));

        Map<String, Object> last = new LinkedHashMap<>(base);
        last.put("final", true);
        last.put("epochs", result.epochs().size());
        last.put("published_epoch", result.publishedMetrics().epoch());
        last.put("train_seconds_total", round(result.trainSeconds(), 3));
        last.put("test_acc", result.testAccuracy());
        last.put("device", result.device());
        last.put("parameters", result.parameterCount());
        last.put("artefact", target.toString());
        last.put("version", artefact.manifest().version());
        lines.print(last);
        return 0;
    }

    private static double round(double value, int decimals) {
        double scale = Math.pow(10, decimals);
        return Math.round(value * scale) / scale;
    }
}
