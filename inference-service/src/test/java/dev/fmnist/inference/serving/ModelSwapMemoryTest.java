package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.images.Pixels;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.inference.ForwardForm;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import dev.fmnist.engine.util.ProcessMemory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * 100 hot swaps of a BetterNet (8.6 MB of parameters each) under continuous requests, in each forward
 * form (a TorchScript swap also loads and frees the block it was exported from): every retired
 * model is closed and the process does not grow; a leak of even one model per swap would add 860 MB.
 */
class ModelSwapMemoryTest {

    private static final int SWAPS = 100;
    private static final int SETTLE_SWAPS = 20;
    private static final int SAMPLE_EVERY = 10;
    private static final long MB = 1024 * 1024;
    /** Allocator and JIT noise; far below one leaked model per swap over 90 swaps. */
    private static final long ALLOWED_GROWTH_MB = 50;

    @ParameterizedTest
    @EnumSource(ForwardForm.class)
    void hundredSwapsUnderLoadCloseEveryRetiredModelAndKeepRssFlat(ForwardForm form) throws Exception {
        FashionMnist data = IdxFixtures.realData();
        ComputeEngine engine = ComputeEngine.builder().optDevice(Device.cpu()).build();
        HyperParameters tiny = HyperParameters.builder().optEpochs(1).optBatchSize(100).optTrainLimit(100).build();
        ModelArtefact artefact = ArtefactModels.of(new FashionMnistTrainer(engine).train(NetworkSpec.of(Architecture.BETTER),
                tiny, data, TrainingObserver.NONE), "swap-test", Instant.now());
        float[] image = new float[FashionMnist.PIXELS];
        for (int i = 0; i < image.length; i++) {
            image[i] = Pixels.scale(data.test().images()[i]);
        }

        LiveModel live = new LiveModel("better");
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        List<Throwable> failures = new ArrayList<>();
        Thread load = new Thread(() -> {
            while (running.get()) {
                try {
                    float[][] p = live.use(model -> model.predict(image, 1));
                    assertThat(p[0]).hasSize(FashionMnist.CLASSES);
                    answered.incrementAndGet();
                } catch (RuntimeException | AssertionError e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                }
            }
        }, "swap-test-load");
        List<ServedModel> retired = new ArrayList<>();
        live.swap(ServedModel.load(artefact, engine, form));
        load.start();
        Map<Integer, Long> rssMb = new TreeMap<>(); // sampled with the heap collected, so its garbage stays put
        for (int swap = 1; swap <= SWAPS; swap++) {
            retired.add(live.peek().orElseThrow());
            live.swap(ServedModel.load(artefact, engine, form));
            if (swap % SAMPLE_EVERY == 0) {
                rssMb.put(swap, rssAfterGc() / MB);
            }
        }
        running.set(false);
        load.join();

        assertThat(failures).isEmpty();
        assertThat(answered.get()).isPositive();
        assertThat(retired).hasSize(SWAPS).allMatch(ServedModel::isClosed, "closed after retirement");
        assertThat(live.peek().orElseThrow().isClosed()).isFalse();
        assertThat(live.peek().orElseThrow().form()).isEqualTo(form);
        // The floor of the last samples against the floor after settling: the allocator's own sawtooth
        // (a 100 MB swing between neighbouring samples on a busy machine) moves peaks, not the floor,
        // while a leaked model per swap (about 9 MB each) raises the floor by hundreds of MB.
        long settled = floor(rssMb, SETTLE_SWAPS, SETTLE_SWAPS + 2 * SAMPLE_EVERY);
        long last = floor(rssMb, SWAPS - 2 * SAMPLE_EVERY, SWAPS);
        assertThat(last - settled).as("RSS in MB by swap: %s", rssMb).isLessThan(ALLOWED_GROWTH_MB);
    }

    /**
     * RSS once the Java garbage is collected: each load's decoded parameters are heap garbage that
     * would otherwise spread over fresh heap pages, and native leaks are what this test is after.
     */
    /** The lowest sample taken from swap {@code from} to swap {@code to}, both included. */
    private static long floor(Map<Integer, Long> samples, int from, int to) {
        return samples.entrySet().stream().filter(e -> e.getKey() >= from && e.getKey() <= to)
                .mapToLong(Map.Entry::getValue).min().orElseThrow();
    }

    private static long rssAfterGc() {
        System.gc();
        return ProcessMemory.rssBytes();
    }
}
