package dev.fmnist.engine.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.TrainAccuracyMode;
import dev.fmnist.engine.networks.ChannelsLast;
import dev.fmnist.engine.networks.Network;
import dev.fmnist.engine.networks.Networks;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.util.NativeArrays;
import dev.fmnist.engine.util.ProcessMemory;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains one network on Fashion-MNIST with the seed's loop: for each epoch, shuffled mini-batches of
 * forward, softmax cross-entropy, backward and an optimiser step; then the accuracy passes.
 *
 * <p>Memory: the data live in one manager for the run; every batch's arrays (index, inputs,
 * activations, loss) live in a sub-manager closed at the end of the batch, so native memory stays
 * flat across epochs.
 *
 * <p>Reproducibility: the seed fixes the initial weights (torch's generator) and the shuffle order
 * (java.util.Random), so two runs with the same seed and thread count see the same data in the same
 * order from the same start. The floats are not bit-identical across thread counts or devices,
 * because the order of parallel reductions in the CPU and GPU kernels varies.
 */
public final class FashionMnistTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistTrainer.class);
    private static final double NANOS_PER_SECOND = 1e9;

    /** The optimiser for a recipe and its number of updates. */
    interface OptimizerFactory {
        Optimizer of(HyperParameters hp, int totalUpdates);
    }

    private final ComputeEngine engine;
    private final OptimizerFactory optimizers;

    /** Trains on {@code engine}'s device. */
    public FashionMnistTrainer(ComputeEngine engine) {
        this(engine, Optimizers::of);
    }

    /** With another optimiser factory: tests look at the optimiser a run used. */
    FashionMnistTrainer(ComputeEngine engine, OptimizerFactory optimizers) {
        this.engine = engine;
        this.optimizers = optimizers;
    }

    /** Runs training to the end, or until the observer cancels or the loss diverges. */
    public TrainingResult train(NetworkSpec spec, HyperParameters hp, FashionMnist data, TrainingObserver observer) {
        return train(spec, hp, data, observer, null);
    }

    /**
     * Runs training from {@code resumeFrom} (null: from the start) to the end, or until the observer
     * cancels or the loss diverges.
     *
     * @throws IllegalArgumentException when {@code resumeFrom} belongs to another network or recipe, or
     *     does not fit this run (its parameters, its position)
     */
    public TrainingResult train(NetworkSpec spec, HyperParameters hp, FashionMnist data, TrainingObserver observer,
            TrainingCheckpoint resumeFrom) {
        if (resumeFrom != null) {
            throw new UnsupportedOperationException("resume: not built yet");
        }
        FashionMnist used = data.limitTrain(hp.trainLimit());
        FashionMnist.Split trainSplit = used.train();
        FashionMnist.Split validationSplit = null;
        if (hp.validationSplit() > 0) { // held out before anything trains; the test set is never looked at to choose
            FashionMnist.Split[] parts = used.train().holdOut(hp.validationSplit(), hp.seed());
            validationSplit = parts[0];
            trainSplit = parts[1];
        }
        int trainImages = trainSplit.size();
        if (hp.batchSize() > trainImages) {
            throw new IllegalArgumentException("batchSize: must not exceed the training set (" + trainImages
                    + " images), got " + hp.batchSize());
        }
        engine.setRandomSeed(Long.hashCode(hp.seed())); // DJL takes an int; same for |seed| < 2^31
        engine.disableGradOnThisThread();
        Device device = engine.device();
        Network network = Networks.build(spec, hp.initialization(), hp.dropout());
        int totalUpdates = hp.epochs() * ((trainImages + hp.batchSize() - 1) / hp.batchSize());
        Loss loss = hp.labelSmoothing() > 0 ? new SmoothedSoftmaxCrossEntropy((float) hp.labelSmoothing())
                : Loss.softmaxCrossEntropyLoss();
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(optimizers.of(hp, totalUpdates))
                .optDevices(new Device[] {device});
        // DJL's optimisers keep their state (Adam's two moments, SGD's momentum) in arrays they detach
        // from every manager, to "be closed by the GC" (Optimizer.withDefaultState), but nothing closes an
        // array when it is collected: each run leaked two copies of its weights for good (19 MB for
        // BetterNet; bench/trainer-rss.sh). An NDScope closes every array made on its thread while it
        // is open; this one spans the run, and the loop's batches and later steps open scopes of their
        // own, so it holds only what the run makes once.
        try (NDScope run = new NDScope();
                Model model = engine.newModel(spec.label())) {
            run.suppressNotUsedWarning(); // it works by being open
            model.setBlock(network.block());
            try (Trainer trainer = model.newTrainer(config);
                    NDManager dataManager = trainer.getManager().newSubManager()) {
                trainer.initialize(new Shape(hp.batchSize(), 1, FashionMnist.IMAGE_SIDE, FashionMnist.IMAGE_SIDE));
                long parameters = countParameters(model.getBlock());
                if (parameters != network.parameterCount()) {
                    throw new IllegalStateException(spec.label() + " has " + parameters + " parameters, expected "
                            + network.parameterCount());
                }
                DeviceSplit train = DeviceSplit.of(dataManager, trainSplit);
                DeviceSplit validation = validationSplit == null ? null : DeviceSplit.of(dataManager, validationSplit);
                DeviceSplit test = DeviceSplit.of(dataManager, used.test());
                BatchAugmenter augmenter = hp.augmentation().isEnabled()
                        ? new BatchAugmenter(trainSplit, hp.augmentation(), hp.seed()) : null;
                Loop loop = new Loop(trainer, train, augmenter, validation, test, hp, observer);
                observer.onStart(device.toString(), loop.batchesPerEpoch());
                LOG.info("training {} on {} ({} parameters, {} images, {} epochs)", spec.label(), device, parameters,
                        trainImages, hp.epochs());
                List<EpochMetrics> epochs = new ArrayList<>();
                KeptWeights kept = new KeptWeights(hp);
                String stopReason = null;
                for (int epoch = 0; epoch < hp.epochs() && stopReason == null; epoch++) {
                    EpochMetrics metrics = loop.epoch(epoch);
                    epochs.add(metrics);
                    observer.onEpochEnd(metrics);
                    kept.offer(metrics, model.getBlock());
                    if (epoch + 1 < hp.epochs()) { // after the last epoch there is nothing left to stop
                        stopReason = kept.stopReason().or(() -> observer.stopAfter(metrics)).orElse(null);
                    }
                }
                if (stopReason != null) {
                    LOG.info("stopped after epoch {}: {}", epochs.size(), stopReason);
                }
                return new TrainingResult(spec, hp, device.toString(), engine.djlVersion(),
                        engine.pytorchVersion(), trainImages, parameters, epochs,
                        kept.parameters(model.getBlock()), kept.publishedEpoch(epochs.size()), stopReason);
            }
        } catch (EngineException e) {
            throw new TrainingFailedException("engine failure: " + e.getMessage(), e);
        }
    }

    /** A diverged run is ended before its step spreads NaN through the weights. */
    static void requireFinite(float loss, int epoch, int batch, HyperParameters hp) {
        if (!Float.isFinite(loss)) {
            throw new TrainingFailedException("loss became " + loss + " in epoch " + epoch + ", batch " + batch
                    + " (learning rate " + hp.learningRate() + " too high?)");
        }
    }

    static long countParameters(Block block) {
        return block.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    private static byte[] serialise(Block block) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            block.saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise parameters", e);
        }
        return bytes.toByteArray();
    }

    /**
     * Which weights a run publishes and whether it stops: with {@code keepBest val}, a copy of the
     * parameters of the epoch with the best validation accuracy so far (ties keep the earlier one); with
     * early stopping, the epochs since validation accuracy last rose by more than {@code minDelta}.
     */
    private static final class KeptWeights {
        private final HyperParameters hp;
        private double bestValidation = Double.NEGATIVE_INFINITY;
        private int bestEpoch = -1;
        private byte[] bestParameters;
        private double stoppingBest = Double.NEGATIVE_INFINITY;
        private int sinceImprovement;

        KeptWeights(HyperParameters hp) {
            this.hp = hp;
        }

        void offer(EpochMetrics metrics, Block block) {
            if (hp.keepBest() == KeepBest.VAL && metrics.valAccuracy() > bestValidation) {
                bestValidation = metrics.valAccuracy();
                bestEpoch = metrics.epoch();
                bestParameters = serialise(block);
            }
            if (hp.earlyStopping() != null) {
                if (metrics.valAccuracy() > stoppingBest + hp.earlyStopping().minDelta()) {
                    stoppingBest = metrics.valAccuracy();
                    sinceImprovement = 0;
                } else {
                    sinceImprovement++;
                }
            }
        }

        Optional<String> stopReason() {
            if (hp.earlyStopping() == null || sinceImprovement < hp.earlyStopping().patience()) {
                return Optional.empty();
            }
            return Optional.of("early stopping: validation accuracy has not risen by more than "
                    + hp.earlyStopping().minDelta() + " for " + hp.earlyStopping().patience() + " epochs");
        }

        byte[] parameters(Block block) {
            return bestParameters != null ? bestParameters : serialise(block);
        }

        int publishedEpoch(int epochsRun) {
            return bestParameters != null ? bestEpoch : epochsRun - 1;
        }
    }

    /** The state of one run's epochs. */
    private static final class Loop {
        private final Trainer trainer;
        private final DeviceSplit train;
        private final BatchAugmenter augmenter;
        private final DeviceSplit validation;
        private final DeviceSplit test;
        private final HyperParameters hp;
        private final TrainingObserver observer;
        private final Random shuffle;
        private final long[] order;
        private boolean optimiserStateMade;

        Loop(Trainer trainer, DeviceSplit train, BatchAugmenter augmenter, DeviceSplit validation, DeviceSplit test,
                HyperParameters hp, TrainingObserver observer) {
            this.trainer = trainer;
            this.train = train;
            this.augmenter = augmenter;
            this.validation = validation;
            this.test = test;
            this.hp = hp;
            this.observer = observer;
            this.shuffle = new Random(hp.seed());
            this.order = new long[Math.toIntExact(train.size())];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
        }

        int batchesPerEpoch() {
            return (order.length + hp.batchSize() - 1) / hp.batchSize();
        }

        EpochMetrics epoch(int epoch) {
            if (hp.shuffle()) {
                shuffleOrder();
            }
            int batches = batchesPerEpoch();
            double lossSum = 0;
            long correct = 0;
            boolean running = hp.trainAccuracy() == TrainAccuracyMode.RUNNING;
            long start = System.nanoTime();
            for (int batch = 0; batch < batches; batch++) {
                if (observer.cancelRequested()) {
                    throw new TrainingCancelledException("cancelled in epoch " + epoch + " before batch " + batch);
                }
                int from = batch * hp.batchSize();
                int to = Math.min(order.length, from + hp.batchSize());
                float loss;
                try (NDScope batchScope = new NDScope();
                        NDManager batchManager = train.images().getManager().newSubManager()) {
                    batchScope.suppressNotUsedWarning();
                    NDArray index = NativeArrays.longs(batchManager, order, from, to - from);
                    NDArray[] xy = augmenter == null ? train.gather(batchManager, index)
                            : new NDArray[] {augmenter.images(batchManager, order, from, to), train.labels(batchManager, index)};
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(ChannelsLast.images(xy[0]))).singletonOrThrow();
                        NDArray lossArray = trainer.getLoss().evaluate(new NDList(xy[1]), new NDList(logits));
                        collector.backward(lossArray);
                        loss = lossArray.getFloat();
                        if (running) {
                            correct += logits.argMax(1).eq(xy[1]).sum().getLong();
                        }
                    }
                }
                requireFinite(loss, epoch, batch, hp);
                step(); // the gradients live on the parameters, not in the batch's arrays
                lossSum += loss;
                observer.onBatchEnd(epoch, batch + 1, batches);
            }
            double trainSeconds = (System.nanoTime() - start) / NANOS_PER_SECOND;

            long evalStart = System.nanoTime();
            double trainAccuracy = switch (hp.trainAccuracy()) {
                case EVALUATION_PASS -> evaluate(train, false)[0];
                case RUNNING -> (double) correct / order.length;
                case NONE -> Double.NaN;
            };
            double[] validated = validation == null ? new double[] {Double.NaN, Double.NaN}
                    : evaluate(validation, true);
            double testAccuracy = evaluate(test, false)[0];
            double evalSeconds = (System.nanoTime() - evalStart) / NANOS_PER_SECOND;
            return new EpochMetrics(epoch, trainSeconds, lossSum / batches, trainAccuracy, testAccuracy, evalSeconds,
                    order.length / trainSeconds, ProcessMemory.rssBytes(), validated[0], validated[1]);
        }

        /**
         * One optimiser step. The first makes the optimiser's state, which the run's scope must keep;
         * every later one makes only arrays it closes itself, in a scope of its own so that the run's
         * scope does not keep a reference to each.
         */
        private void step() {
            if (!optimiserStateMade) {
                trainer.step();
                optimiserStateMade = true;
                return;
            }
            try (NDScope stepScope = new NDScope()) {
                stepScope.suppressNotUsedWarning();
                trainer.step();
            }
        }

        /** Fisher-Yates on the index array, from the run's own seeded generator. */
        private void shuffleOrder() {
            for (int i = order.length - 1; i > 0; i--) {
                int j = shuffle.nextInt(i + 1);
                long swap = order[i];
                order[i] = order[j];
                order[j] = swap;
            }
        }

        /**
         * Fraction of {@code split} classified correctly and, if asked, its mean loss (NaN otherwise), in
         * eval mode, without recording gradients.
         */
        private double[] evaluate(DeviceSplit split, boolean withLoss) {
            long n = split.size();
            long correct = 0;
            double lossSum = 0;
            for (long from = 0; from < n; from += hp.batchSize()) {
                long to = Math.min(n, from + hp.batchSize());
                try (NDScope batchScope = new NDScope();
                        NDManager batchManager = split.images().getManager().newSubManager()) {
                    batchScope.suppressNotUsedWarning();
                    NDArray[] xy = split.slice(batchManager, from, to);
                    NDArray logits = trainer.evaluate(new NDList(ChannelsLast.images(xy[0]))).singletonOrThrow();
                    correct += logits.argMax(1).eq(xy[1]).sum().getLong();
                    if (withLoss) {
                        lossSum += trainer.getLoss().evaluate(new NDList(xy[1]), new NDList(logits)).getFloat()
                                * (to - from);
                    }
                }
            }
            return new double[] {(double) correct / n, withLoss ? lossSum / n : Double.NaN};
        }
    }
}
