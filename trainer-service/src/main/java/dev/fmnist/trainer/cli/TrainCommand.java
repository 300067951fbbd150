package dev.fmnist.trainer.cli;

import dev.fmnist.contract.artefacts.ArtefactCodec;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.FashionMnistLoader;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.Augmentation;
import dev.fmnist.contract.training.EarlyStopping;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.LearningRateSchedule;
import dev.fmnist.contract.training.Initialization;
import dev.fmnist.contract.training.OptimizerKind;
import dev.fmnist.contract.training.TrainAccuracyMode;
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
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Trains one network locally and prints one JSON object per epoch and a final one, with the field
 * names of the PyTorch peer harness ({@code epoch}, {@code train_seconds}, {@code loss},
 * {@code train_acc}, {@code test_acc}, {@code final}), then writes the artefact.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one network on Fashion-MNIST locally (no Kafka) and write its artefact.")
public final class TrainCommand implements Callable<Integer> {

    private static final double MEGABYTE = 1024.0 * 1024.0;
    private static final double GIGA = 1e9;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "better", description = "mlp, baseline, compare, better or better-bn (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--k", description = "second conv kernel size for compare, 3..8 (default 5)")
    Integer k;

    @Option(names = "--epochs", defaultValue = "" + HyperParameters.DEFAULT_EPOCHS, description = "default: ${DEFAULT-VALUE}")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "" + HyperParameters.DEFAULT_BATCH_SIZE, description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--lr", defaultValue = "" + HyperParameters.DEFAULT_LEARNING_RATE, description = "learning rate (default: ${DEFAULT-VALUE})")
    double learningRate;

    @Option(names = "--optimizer", defaultValue = "adam", description = "adam or sgd (default: ${DEFAULT-VALUE})")
    String optimizer;

    @Option(names = "--momentum", defaultValue = "" + HyperParameters.DEFAULT_MOMENTUM, description = "sgd momentum (default: ${DEFAULT-VALUE})")
    double momentum;

    @Option(names = "--no-shuffle", description = "keep the training set in file order")
    boolean noShuffle;

    @Option(names = "--limit", defaultValue = "0", description = "train on the first N images only (default: all)")
    int limit;

    @Option(names = "--seed", defaultValue = "0", description = "initialisation and shuffle seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (default: PyTorch's choice)")
    int threads;

    @Option(names = "--train-accuracy", defaultValue = "EVALUATION_PASS",
            description = "EVALUATION_PASS (as the seed), RUNNING (free, during the epoch) or NONE (default: ${DEFAULT-VALUE})")
    TrainAccuracyMode trainAccuracy;

    @Option(names = "--init", defaultValue = "PYTORCH", description = "PYTORCH or XAVIER (default: ${DEFAULT-VALUE})")
    Initialization initialization;

    @Option(names = "--weight-decay", defaultValue = "0",
            description = "adam: AdamW's decoupled weight decay; sgd: L2 (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--lr-schedule", defaultValue = "constant",
            description = "constant, step, cosine or onecycle (default: ${DEFAULT-VALUE})")
    String lrSchedule;

    @Option(names = "--label-smoothing", defaultValue = "0",
            description = "spread this share of each target over all classes (default: ${DEFAULT-VALUE})")
    double labelSmoothing;

    @Option(names = "--dropout", defaultValue = "0",
            description = "drop this share of the features into each dense layer after a hidden one (default: ${DEFAULT-VALUE})")
    double dropout;

    @Option(names = "--crop-padding", defaultValue = "0",
            description = "augment: shift each training image by up to N pixels, a random crop of it padded by N (default: none)")
    int cropPadding;

    @Option(names = "--flip", description = "augment: mirror half the training images left to right")
    boolean flip;

    @Option(names = "--validation-split", defaultValue = "0",
            description = "hold N training images out for validation (default: none)")
    int validationSplit;

    @Option(names = "--keep-best", defaultValue = "last",
            description = "last or val: write the epoch with the best validation accuracy (default: ${DEFAULT-VALUE})")
    String keepBest;

    @Option(names = "--early-stopping-patience", defaultValue = "0",
            description = "stop after N epochs without a validation gain (default: never)")
    int patience;

    @Option(names = "--early-stopping-min-delta", defaultValue = "0",
            description = "the smallest validation gain that counts (default: ${DEFAULT-VALUE})")
    double minDelta;

    @Option(names = "--data-dir", description = "directory searched first for the four idx files")
    Path dataDir;

    @Option(names = "--out", description = "artefact file to write (default: runs/<model>-<time>.zip)")
    Path out;

    @Override
    public Integer call() throws IOException {
        NetworkSpec network = NetworkSpec.of(model, k);
        HyperParameters hp = HyperParameters.builder()
                .optEpochs(epochs).optBatchSize(batchSize).optLearningRate(learningRate)
                .optOptimizer(OptimizerKind.fromId(optimizer)).optMomentum(momentum).optShuffle(!noShuffle)
                .optSeed(seed).optTrainLimit(limit).optTrainAccuracy(trainAccuracy).optInitialization(initialization)
                .optValidationSplit(validationSplit).optKeepBest(KeepBest.fromId(keepBest))
                .optEarlyStopping(patience > 0 ? new EarlyStopping(patience, minDelta) : null)
                .optWeightDecay(weightDecay).optLrSchedule(LearningRateSchedule.fromId(lrSchedule))
                .optLabelSmoothing(labelSmoothing).optDropout(dropout)
                .optAugmentation(new Augmentation(cropPadding, flip))
                .build();
        ComputeEngine.configureThreads(threads);
        FashionMnist data = FashionMnistLoader.builder().optDataDir(dataDir).build().load();

        Network shape = Networks.build(network, initialization);
        double flopsPerImage = shape.trainingFlopsPerImage();
        Map<String, Object> base = new LinkedHashMap<>();
        base.put("engine", "djl-pytorch");
        base.put("djl", ComputeEngine.djlVersion());
        base.put("torch", ComputeEngine.pytorchVersion());
        base.put("model", network.architecture().id());
        base.put("k", network.k());
        base.put("threads", ComputeEngine.threads());
        base.put("train_images", data.limitTrain(limit).train().size());

        JsonLines lines = new JsonLines(spec.commandLine().getOut());
        TrainingResult result = new FashionMnistTrainer().train(network, hp, data, new TrainingObserver() {
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
