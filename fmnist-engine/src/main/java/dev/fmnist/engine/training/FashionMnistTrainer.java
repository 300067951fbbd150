package dev.fmnist.engine.training;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import dev.fmnist.contract.data.ExtraDataset;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.ExtraData;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.contract.training.KeepBest;
import dev.fmnist.contract.training.TrainAccuracyMode;
import dev.fmnist.engine.networks.ChannelsLast;
import dev.fmnist.engine.networks.Network;
import dev.fmnist.engine.networks.Networks;
import dev.fmnist.engine.networks.TestTimeFlip;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.training.TrainingCheckpoint.NamedArray;
import dev.fmnist.engine.util.NativeArrays;
import dev.fmnist.engine.util.ProcessMemory;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * <p>Reproducibility: the seed fixes the initial weights (torch's generator), the shuffle order and
 * the augmentation's draws (java.util.Random), and dropout's draws (torch's generator, re-seeded from
 * the seed and the batch's position), so two runs with the same seed and thread count see the same data
 * in the same order from the same start. The floats are not bit-identical across thread counts or
 * devices, because the order of parallel reductions in the CPU and GPU kernels varies.
 *
 * <p>Checkpoints: the observer is handed a {@link TrainingCheckpoint} at every epoch's end and
 * mid-epoch when it asks; a run given one continues from it, replaying the seeded generators up to its
 * position, and on the CPU ends bit-identical to the uninterrupted run.
 */
public final class FashionMnistTrainer {

    private static final Logger LOG = LoggerFactory.getLogger(FashionMnistTrainer.class);
    private static final double NANOS_PER_SECOND = 1e9;
    /** Mixed into dropout's seeds: they are not the initialisation's. */
    private static final long DROPOUT_SALT = 0x64726f70L; // "drop"

    /**
     * The optimiser for a recipe and its number of updates. Tests also train with DJL's own, to show
     * that ours give the same numbers; only a {@link ResumableOptimizer} takes and resumes checkpoints.
     */
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
     * @throws CheckpointMismatchException when {@code resumeFrom} belongs to another network or recipe,
     *     or does not fit this run (its parameters, its position); nothing was trained or observed then
     */
    public TrainingResult train(NetworkSpec spec, HyperParameters hp, FashionMnist data, TrainingObserver observer,
            TrainingCheckpoint resumeFrom) {
        String fingerprint = TrainingCheckpoint.fingerprint(spec, hp);
        if (resumeFrom != null) {
            try {
                requireBelongs(resumeFrom, fingerprint, spec, hp);
            } catch (IllegalArgumentException e) {
                throw new CheckpointMismatchException(e.getMessage(), e);
            }
        }
        FashionMnist used = data.limitTrain(hp.trainLimit());
        FashionMnist.Split trainSplit = used.train();
        FashionMnist.Split validationSplit = null;
        if (hp.validationSplit() > 0) { // held out before anything trains; the test set is never looked at to choose
            FashionMnist.Split[] parts = used.train().holdOut(hp.validationSplit(), hp.seed());
            validationSplit = parts[0];
            trainSplit = parts[1];
        }
        if (hp.extraData() != null) { // after the hold-out: validation and test stay Fashion-MNIST's own
            trainSplit = append(trainSplit, ExtraDataset.read(hp.extraData().folder(), ExtraData.PATH_FIELD));
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
        Optimizer optimizer = optimizers.of(hp, totalUpdates);
        ResumableOptimizer resumable = optimizer instanceof ResumableOptimizer r ? r : null;
        if (resumeFrom != null && resumable == null) {
            throw new IllegalStateException("resumeFrom: " + optimizer.getClass().getSimpleName()
                    + " cannot take a checkpoint's optimiser state");
        }
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(optimizer)
                .optDevices(new Device[] {device});
        // DJL's own optimisers detached their state (Adam's two moments, SGD's momentum) from every
        // manager, to "be closed by the GC" (Optimizer.withDefaultState), but nothing closes an array
        // when it is collected: each run leaked two copies of its weights for good (19 MB for BetterNet;
        // bench/trainer-rss.sh). Ours keep it on the weights' manager, and this NDScope, which closes
        // every array made on its thread while it is open, spans the run as well: the loop's batches
        // and later steps open scopes of their own, so it holds only what the run makes once.
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
                Loop loop = new Loop(engine, trainer, train, augmenter, validation, test, hp, observer);
                Block block = model.getBlock();
                List<EpochMetrics> epochs = new ArrayList<>();
                KeptWeights kept = new KeptWeights(hp);
                Snapshots snapshots = resumable == null ? null
                        : (epoch, at) -> new TrainingCheckpoint(fingerprint, epoch, at.batchesDone(), at.lossSum(),
                                at.correct(), at.trainSeconds(), epochs, ParameterArrays.read(block),
                                resumable.exportState(block.getParameters()), kept.state());
                int firstEpoch = 0;
                Position position = Position.START;
                String stopReason = null;
                if (resumeFrom != null) {
                    // checked and applied before anything is said: a checkpoint that does not fit leaves the
                    // caller free to start again from nothing (this model is closed on the way out)
                    try {
                        if (resumeFrom.batchesDone() >= loop.batchesPerEpoch()) {
                            throw new IllegalArgumentException("resumeFrom.batchesDone: " + resumeFrom.batchesDone()
                                    + ", an epoch of this run has " + loop.batchesPerEpoch() + " batches");
                        }
                        kept.restore(resumeFrom.kept(), block);
                        ParameterArrays.write(block, resumeFrom.weights(), "weights");
                        resumable.importState(block.getParameters(), resumeFrom.optimizer());
                        loop.skipTo(resumeFrom.epoch(), resumeFrom.batchesDone());
                    } catch (IllegalArgumentException e) {
                        throw new CheckpointMismatchException(e.getMessage(), e);
                    }
                    epochs.addAll(resumeFrom.epochs());
                    firstEpoch = resumeFrom.epoch();
                    position = new Position(resumeFrom.batchesDone(), resumeFrom.lossSum(), resumeFrom.correct(),
                            resumeFrom.trainSeconds());
                }
                observer.onStart(device.toString(), loop.batchesPerEpoch());
                if (resumeFrom != null) {
                    LOG.info("resuming {} from epoch {}, batch {}", spec.label(), firstEpoch, position.batchesDone());
                    observer.onResume(resumeFrom);
                    if (position.batchesDone() == 0 && firstEpoch > 0 && firstEpoch < hp.epochs()) {
                        // taken at an epoch's end, before the stopping rules were asked: ask them again
                        EpochMetrics last = epochs.get(epochs.size() - 1);
                        stopReason = kept.stopReason().or(() -> observer.stopAfter(last)).orElse(null);
                    }
                }
                LOG.info("training {} on {} ({} parameters, {} images, {} epochs)", spec.label(), device, parameters,
                        trainImages, hp.epochs());
                for (int epoch = firstEpoch; epoch < hp.epochs() && stopReason == null; epoch++) {
                    EpochMetrics metrics = loop.epoch(epoch, position, snapshots);
                    position = Position.START;
                    epochs.add(metrics);
                    observer.onEpochEnd(metrics);
                    kept.offer(metrics, block);
                    if (snapshots != null) {
                        observer.onCheckpoint(snapshots.at(epoch + 1, Position.START));
                    }
                    if (epoch + 1 < hp.epochs()) { // after the last epoch there is nothing left to stop
                        stopReason = kept.stopReason().or(() -> observer.stopAfter(metrics)).orElse(null);
                    }
                }
                if (stopReason != null) {
                    LOG.info("stopped after epoch {}: {}", epochs.size(), stopReason);
                }
                byte[] published = kept.parameters(block); // the block now holds the published weights
                int publishedEpoch = kept.publishedEpoch(epochs.size());
                return new TrainingResult(spec, hp, device.toString(), engine.djlVersion(),
                        engine.pytorchVersion(), trainImages, parameters, epochs, published, publishedEpoch,
                        stopReason, loop.testConfusion(epochs.get(publishedEpoch).epoch()));
            }
        } catch (EngineException e) {
            throw new TrainingFailedException("engine failure: " + e.getMessage(), e);
        }
    }

    /** A checkpoint of another network or recipe, or past this run's end, is refused before anything is built. */
    private static void requireBelongs(TrainingCheckpoint checkpoint, String fingerprint, NetworkSpec spec,
            HyperParameters hp) {
        if (!checkpoint.fingerprint().equals(fingerprint)) {
            throw new IllegalArgumentException("resumeFrom.fingerprint: the checkpoint belongs to another network or"
                    + " recipe (" + checkpoint.fingerprint() + ", this run of " + spec.label() + " is " + fingerprint
                    + ")");
        }
        if (checkpoint.epoch() > hp.epochs() || (checkpoint.epoch() == hp.epochs() && checkpoint.batchesDone() > 0)) {
            throw new IllegalArgumentException("resumeFrom.epoch: " + checkpoint.epoch() + " (batch "
                    + checkpoint.batchesDone() + ") is past the run's " + hp.epochs() + " epochs");
        }
    }

    /**
     * The seed dropout draws from in a batch: a function of the run's seed and the batch's position
     * alone. DJL cannot read torch's generator, so a checkpoint cannot carry its state; re-seeding it
     * before every batch makes the stream position-addressable, and a resumed run drops the features an
     * uninterrupted one would. (Runs without dropout draw nothing from it after initialisation, so they
     * are not re-seeded and give the numbers they always gave.) A SplitMix64 finaliser spreads the
     * three over the int DJL takes.
     */
    static int dropoutSeed(long seed, int epoch, int batch) {
        long z = seed * 0x9E3779B97F4A7C15L + (((long) epoch << 32) | batch) + DROPOUT_SALT;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (int) (z ^ (z >>> 32));
    }

    /** {@code extra}'s images after {@code split}'s. */
    static FashionMnist.Split append(FashionMnist.Split split, FashionMnist.Split extra) {
        byte[] images = Arrays.copyOf(split.images(), split.images().length + extra.images().length);
        System.arraycopy(extra.images(), 0, images, split.images().length, extra.images().length);
        byte[] labels = Arrays.copyOf(split.labels(), split.size() + extra.size());
        System.arraycopy(extra.labels(), 0, labels, split.size(), extra.size());
        return new FashionMnist.Split(images, labels);
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
        /** On the host, as a checkpoint carries them; null while there is no best epoch. */
        private List<NamedArray> bestParameters;
        private double stoppingBest = Double.NEGATIVE_INFINITY;
        private int sinceImprovement;

        KeptWeights(HyperParameters hp) {
            this.hp = hp;
        }

        void offer(EpochMetrics metrics, Block block) {
            if (hp.keepBest() == KeepBest.VAL && metrics.valAccuracy() > bestValidation) {
                bestValidation = metrics.valAccuracy();
                bestEpoch = metrics.epoch();
                bestParameters = ParameterArrays.read(block);
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

        TrainingCheckpoint.Kept state() {
            return new TrainingCheckpoint.Kept(bestValidation, bestEpoch,
                    bestParameters == null ? List.of() : bestParameters, stoppingBest, sinceImprovement);
        }

        /** Takes a checkpoint's state; its best parameters must be {@code block}'s. */
        void restore(TrainingCheckpoint.Kept kept, Block block) {
            if (!kept.bestParameters().isEmpty()) {
                ParameterArrays.check(block, kept.bestParameters(), "bestParameters");
            }
            bestValidation = kept.bestValidation();
            bestEpoch = kept.bestEpoch();
            bestParameters = kept.bestParameters().isEmpty() ? null : kept.bestParameters();
            stoppingBest = kept.stoppingBest();
            sinceImprovement = kept.sinceImprovement();
        }

        /** The published parameters; with a best epoch kept, {@code block} ends holding its weights. */
        byte[] parameters(Block block) {
            if (bestParameters != null) {
                ParameterArrays.write(block, bestParameters, "bestParameters");
            }
            return serialise(block);
        }

        int publishedEpoch(int epochsRun) {
            return bestParameters != null ? bestEpoch : epochsRun - 1;
        }
    }

    /** Where in an epoch a run is: batches done and what they summed, and the training seconds they took. */
    private record Position(int batchesDone, double lossSum, long correct, double trainSeconds) {
        static final Position START = new Position(0, 0, 0, 0);
    }

    /** Takes a checkpoint of the run at {@code position} in {@code epoch}. */
    private interface Snapshots {
        TrainingCheckpoint at(int epoch, Position position);
    }

    /** The state of one run's epochs. */
    private static final class Loop {
        private final ComputeEngine engine;
        private final Trainer trainer;
        private final DeviceSplit train;
        private final BatchAugmenter augmenter;
        private final DeviceSplit validation;
        private final DeviceSplit test;
        private final HyperParameters hp;
        private final TrainingObserver observer;
        private final Random shuffle;
        private final long[] order;
        /** Each epoch's test confusion [label][predicted], counted in its test pass: the artefact's is one of them. */
        private final Map<Integer, int[][]> testConfusions = new HashMap<>();
        private boolean optimiserStateMade;

        Loop(ComputeEngine engine, Trainer trainer, DeviceSplit train, BatchAugmenter augmenter, DeviceSplit validation,
                DeviceSplit test, HyperParameters hp, TrainingObserver observer) {
            this.engine = engine;
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

        /**
         * Replays the random draws of the epochs before {@code epoch} and of its first {@code batchesDone}
         * batches (the shuffles, the augmentation's), so that the next {@link #epoch} continues a resumed
         * run in the order the uninterrupted one had.
         */
        void skipTo(int epoch, int batchesDone) {
            if (hp.shuffle()) {
                for (int e = 0; e < epoch; e++) {
                    shuffleOrder();
                }
            }
            if (augmenter != null) {
                augmenter.skip((long) epoch * order.length + (long) batchesDone * hp.batchSize());
            }
        }

        /** Trains epoch {@code epoch} from {@code resumed} (its start, or a checkpoint's position) to its end, then measures it. */
        EpochMetrics epoch(int epoch, Position resumed, Snapshots snapshots) {
            if (hp.shuffle()) {
                shuffleOrder();
            }
            int batches = batchesPerEpoch();
            double lossSum = resumed.lossSum();
            long correct = resumed.correct();
            boolean running = hp.trainAccuracy() == TrainAccuracyMode.RUNNING;
            boolean reseed = hp.dropout() > 0;
            long start = System.nanoTime();
            long checkpointNanos = 0; // taking and handing over checkpoints is not training
            for (int batch = resumed.batchesDone(); batch < batches; batch++) {
                if (observer.cancelRequested()) {
                    throw new TrainingCancelledException("cancelled in epoch " + epoch + " before batch " + batch);
                }
                if (reseed) {
                    engine.setRandomSeed(dropoutSeed(hp.seed(), epoch, batch));
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
                if (snapshots != null && batch + 1 < batches && observer.checkpointDue(epoch, batch + 1)) {
                    long taken = System.nanoTime();
                    double seconds = resumed.trainSeconds() + (taken - start - checkpointNanos) / NANOS_PER_SECOND;
                    observer.onCheckpoint(snapshots.at(epoch, new Position(batch + 1, lossSum, correct, seconds)));
                    checkpointNanos += System.nanoTime() - taken;
                }
            }
            double trainSeconds = resumed.trainSeconds()
                    + (System.nanoTime() - start - checkpointNanos) / NANOS_PER_SECOND;

            long evalStart = System.nanoTime();
            double trainAccuracy = switch (hp.trainAccuracy()) {
                case EVALUATION_PASS -> evaluate(train, false, null)[0];
                case RUNNING -> (double) correct / order.length;
                case NONE -> Double.NaN;
            };
            double[] validated = validation == null ? new double[] {Double.NaN, Double.NaN}
                    : evaluate(validation, true, null);
            int[][] confusion = new int[FashionMnist.CLASSES][FashionMnist.CLASSES];
            double testAccuracy = evaluate(test, false, confusion)[0];
            testConfusions.put(epoch, confusion);
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
         * The test confusion [label][predicted] of the weights the block holds now, published at
         * {@code epoch}: the one its test pass counted, or, for an epoch trained before this run resumed
         * (a checkpoint carries no counts), one more test pass.
         */
        int[][] testConfusion(int epoch) {
            int[][] counted = testConfusions.get(epoch);
            if (counted != null) {
                return counted;
            }
            int[][] confusion = new int[FashionMnist.CLASSES][FashionMnist.CLASSES];
            evaluate(test, false, confusion);
            return confusion;
        }

        /**
         * Fraction of {@code split} classified correctly and, if asked, its mean loss (NaN otherwise), in
         * eval mode, without recording gradients; each image is counted in {@code confusion}
         * [label][predicted] unless it is null. Counting reads the same argmax on the host: the accuracy
         * and loss are computed as without it. With test-time flips an image's class is that of the mean
         * of its own and its mirror image's probabilities, as served; the loss stays the plain pass's.
         */
        private double[] evaluate(DeviceSplit split, boolean withLoss, int[][] confusion) {
            long n = split.size();
            long correct = 0;
            double lossSum = 0;
            boolean flips = hp.augmentation().testTimeFlip();
            // with flips a pass holds each image and its mirror: half the images, as many as without
            long step = flips ? Math.max(1, hp.batchSize() / 2) : hp.batchSize();
            for (long from = 0; from < n; from += step) {
                long to = Math.min(n, from + step);
                try (NDScope batchScope = new NDScope();
                        NDManager batchManager = split.images().getManager().newSubManager()) {
                    batchScope.suppressNotUsedWarning();
                    NDArray[] xy = split.slice(batchManager, from, to);
                    NDArray images = flips ? TestTimeFlip.withMirrors(xy[0]) : xy[0];
                    NDArray output = trainer.evaluate(new NDList(ChannelsLast.images(images))).singletonOrThrow();
                    NDArray logits = flips ? output.get(new NDIndex("0:{}", to - from)) : output;
                    NDArray predicted = (flips ? TestTimeFlip.meanOfPairs(output.softmax(1), to - from) : logits).argMax(1);
                    correct += predicted.eq(xy[1]).sum().getLong();
                    if (confusion != null) {
                        long[] classes = predicted.toLongArray();
                        long[] labels = xy[1].toLongArray();
                        for (int i = 0; i < classes.length; i++) {
                            confusion[(int) labels[i]][(int) classes[i]]++;
                        }
                    }
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
