package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.inference.metrics.ServingMetrics;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One served model's slot with real (tiny) models: versions swapped while requests run through its
 * batcher, a retired version closed only once its last request is done, and the versions it served
 * before.
 */
class ModelSlotTest {

    private static final long WAIT_SECONDS = 30;

    private static ModelArtefact first;
    private static ModelArtefact second;
    private static float[] image;

    private ModelSlot slot;

    @BeforeAll
    static void train() {
        first = TinyArtefacts.train(1, "slot-test-1");
        second = TinyArtefacts.train(2, "slot-test-2");
        image = TinyArtefacts.image();
        assertThat(first.manifest().version()).isNotEqualTo(second.manifest().version());
    }

    @BeforeEach
    void newSlot() {
        NetworkSpec network = NetworkSpec.of(Architecture.MLP);
        LiveModel live = new LiveModel(network.servingName());
        InferenceStats stats = new InferenceStats(network.servingName());
        DynamicBatcher batcher = new DynamicBatcher(network.servingName(), live, stats, TinyArtefacts.BATCHING,
                new ServingMetrics(new SimpleMeterRegistry()).servedModel(network.servingName()));
        slot = new ModelSlot(network, live, batcher, stats);
    }

    @AfterEach
    void stop() {
        slot.stop();
        slot.live().peek().ifPresent(ServedModel::retire);
    }

    @Test
    void withNothingLiveTheSlotIsNotReadyAndARequestIsUnavailableNamingTheModel() throws Exception {
        assertThat(slot.ready()).isFalse();
        assertThat(slot.manifest()).isEmpty();
        assertThat(slot.name()).isEqualTo("mlp");
        assertThat(slot.artefactKey()).isEqualTo("mlp");

        Throwable failure = catchThrowableOfType(ExecutionException.class,
                () -> slot.batcher().submit(image, 1).get(WAIT_SECONDS, TimeUnit.SECONDS)).getCause();

        assertThat(Status.fromThrowable(failure).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Status.fromThrowable(failure).getDescription())
                .isEqualTo("model 'mlp': no version loaded yet (waiting for its artefact on the models topic)");
    }

    @Test
    void swapsUnderLoadFailNoRequestAndCloseEveryRetiredVersion() throws Exception {
        slot.swap(TinyArtefacts.load(first));
        Set<String> versions = Set.of(first.manifest().version(), second.manifest().version());
        int clients = 4;
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        CountDownLatch everyClientAnswered = new CountDownLatch(clients);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<ServedModel> retired = new ArrayList<>();
        try {
            List<Future<?>> load = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                load.add(pool.submit(() -> {
                    boolean counted = false;
                    while (running.get()) {
                        try {
                            DynamicBatcher.Result result = slot.batcher().submit(image, 1).get(WAIT_SECONDS,
                                    TimeUnit.SECONDS);
                            assertThat(result.probabilities()).hasNumberOfRows(1);
                            assertThat(result.probabilities()[0]).hasSize(FashionMnist.CLASSES);
                            assertThat(result.model().version()).isIn(versions);
                            answered.incrementAndGet();
                            if (!counted) {
                                everyClientAnswered.countDown();
                                counted = true;
                            }
                        } catch (Exception | AssertionError e) {
                            failures.add(e);
                        }
                    }
                }));
            }
            assertThat(everyClientAnswered.await(WAIT_SECONDS, TimeUnit.SECONDS)).as("load running").isTrue();
            for (int swap = 0; swap < 20; swap++) {
                retired.add(slot.live().peek().orElseThrow());
                slot.swap(TinyArtefacts.load(swap % 2 == 0 ? second : first));
            }
            running.set(false);
            for (Future<?> f : load) {
                f.get(WAIT_SECONDS, TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
            pool.shutdownNow();
        }

        assertThat(failures).isEmpty();
        assertThat(answered.get()).isGreaterThanOrEqualTo(clients);
        assertThat(retired).hasSize(20).allMatch(ServedModel::isClosed, "closed once retired and idle");
        assertThat(slot.live().peek().orElseThrow().isClosed()).isFalse();
        assertThat(slot.manifest().orElseThrow().version()).isEqualTo(first.manifest().version());
    }

    @Test
    void aRetiredVersionClosesOnlyWhenItsLastInFlightRequestEnds() throws Exception {
        ServedModel old = TinyArtefacts.load(first);
        slot.swap(old);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<String> inFlight = pool.submit(() -> slot.live().use(model -> {
                holding.countDown();
                try {
                    assertThat(release.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                // still usable: retired, not closed, while this request holds it
                assertThat(model.predict(image, 1)[0]).hasSize(FashionMnist.CLASSES);
                return model.manifest().version();
            }));
            assertThat(holding.await(WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();

            slot.swap(TinyArtefacts.load(second));

            assertThat(old.isClosed()).as("held by a request in flight").isFalse();
            String seenNow = slot.live().use(m -> m.manifest().version());
            assertThat(seenNow).as("new requests see the new version")
                    .isEqualTo(second.manifest().version());
            release.countDown();
            assertThat(inFlight.get(WAIT_SECONDS, TimeUnit.SECONDS)).as("finished on the version it started with")
                    .isEqualTo(first.manifest().version());
            assertThat(old.isClosed()).as("closed by its last request's release").isTrue();
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void theVersionsServedBeforeAreKeptNewestFirstAndBounded() {
        assertThat(slot.previousVersions()).isEmpty();
        slot.swap(TinyArtefacts.load(first));
        assertThat(slot.previousVersions()).as("nothing was live before the first").isEmpty();
        slot.swap(TinyArtefacts.load(second));
        assertThat(slot.previousVersions()).containsExactly(first.manifest().version());

        for (int swap = 0; swap < ModelSlot.PREVIOUS_KEPT + 3; swap++) {
            slot.swap(TinyArtefacts.load(swap % 2 == 0 ? first : second));
        }

        List<String> previous = slot.previousVersions();
        assertThat(previous).hasSize(ModelSlot.PREVIOUS_KEPT);
        // the last swap put "first" live over "second", which had replaced "first"
        assertThat(previous.subList(0, 2)).containsExactly(second.manifest().version(), first.manifest().version());
    }

    @Test
    void aVersionHasStatisticsAtZeroFromTheMomentItIsLive() {
        assertThat(slot.stats().report("")).isEmpty();
        slot.swap(TinyArtefacts.load(first));

        assertThat(slot.stats().report("")).singleElement().satisfies(stats -> {
            assertThat(stats.getVersion()).isEqualTo(first.manifest().version());
            assertThat(stats.getInferenceCount()).isZero();
            assertThat(stats.getExecutionCount()).isZero();
            assertThat(stats.getInferenceStats().getSuccess().getCount()).isZero();
        });
    }

    @Test
    void aStoppedSlotRefusesRequests() {
        slot.swap(TinyArtefacts.load(first));
        slot.stop();

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> slot.batcher().submit(image, 1));

        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }
}
