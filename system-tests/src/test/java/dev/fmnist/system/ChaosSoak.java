package dev.fmnist.system;

import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.serving.GrpcOptions;
import dev.fmnist.cli.serving.ImageFiles;
import dev.fmnist.cli.serving.InferenceClient;
import dev.fmnist.contract.data.FashionMnistFile;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.kafka.TopicLayout;
import dev.fmnist.contract.kafka.TopicSetup;
import dev.fmnist.proto.v1.Image;
import dev.fmnist.proto.v1.ModelInfo;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * The chaos soak: a 3-node cluster (replication 3, min in-sync 2), a group of packaged trainers and an
 * inference replica, a steady stream of small runs and sweeps and of classify calls, and, one at a
 * time at seeded random intervals, a fault from {@link ChaosFault}. At the end it drains (every
 * experiment submitted ends, within a bound) and hands what it saw to {@link ChaosReport}, which checks
 * the invariants and counts the work lost. {@code ChaosIT} runs it for a few minutes,
 * {@code bench/chaos-soak.sh} for as long as asked.
 */
final class ChaosSoak {

    /** The steady load classifies real test images, where the product finds them. */
    private static final Path TEST_IMAGES = IdxFixtures.realFile(FashionMnistFile.TEST_IMAGES);
    /** A pause must outlast the lease, and the group's session (10 s), by a margin. */
    private static final Duration PAUSE = ExperimentState.LEASE.plusSeconds(10);
    private static final Duration BROKER_DOWN = Duration.ofSeconds(10);
    private static final Duration TRAINER_DOWN = Duration.ofSeconds(3);
    private static final Duration RECOVERY_BOUND = Duration.ofMinutes(3);
    private static final Duration PROBE_EVERY = Duration.ofSeconds(1);
    private static final int PROBE_IMAGES = 10;

    /**
     * How a soak runs.
     *
     * @param duration how long experiments are submitted and faults injected
     * @param seed seeds every random choice
     * @param trainers trainers in the group
     * @param gapMin least time between the end of one fault and the next
     * @param gapMax most time between the end of one fault and the next
     * @param submitEvery one run or sweep submitted this often
     * @param drainBound how long the drain may wait for every experiment to end
     * @param everyKindFirst inject every kind once (in a seeded order) before drawing kinds at random
     * @param reportDir where chaos-report.json and chaos-report.md are written
     */
    record Settings(Duration duration, long seed, int trainers, Duration gapMin, Duration gapMax, Duration submitEvery,
            Duration drainBound, boolean everyKindFirst, Path reportDir) {

        /**
         * The settings the system properties give ({@code fmnist.chaos.minutes}, {@code .seed},
         * {@code .trainers}, {@code .gap-seconds} as {@code MIN-MAX}, {@code .submit-seconds},
         * {@code .drain-minutes}, {@code .report}), else these defaults: faults every 5-15 s for a
         * soak of up to 5 minutes, every 1-2 minutes for a longer one.
         */
        static Settings fromProperties(double defaultMinutes, long defaultSeed, int defaultTrainers) {
            double minutes = Double.parseDouble(System.getProperty("fmnist.chaos.minutes", Double.toString(defaultMinutes)));
            Duration duration = Duration.ofSeconds(Math.round(minutes * 60));
            String gap = System.getProperty("fmnist.chaos.gap-seconds", minutes <= 5 ? "5-15" : "60-120");
            String[] bounds = gap.split("-");
            long seed = Long.parseLong(System.getProperty("fmnist.chaos.seed", Long.toString(defaultSeed)));
            int trainers = Integer.parseInt(System.getProperty("fmnist.chaos.trainers", Integer.toString(defaultTrainers)));
            Duration submitEvery = Duration.ofSeconds(Long.parseLong(System.getProperty("fmnist.chaos.submit-seconds", "15")));
            Duration drain = Duration.ofMinutes(Long.parseLong(System.getProperty("fmnist.chaos.drain-minutes",
                    minutes <= 5 ? "5" : "10")));
            Path report = Path.of(System.getProperty("fmnist.chaos.report", "target/chaos/seed-" + seed));
            if (trainers < 2) {
                throw new IllegalArgumentException("fmnist.chaos.trainers: at least 2 (one must take over), got " + trainers);
            }
            return new Settings(duration, seed, trainers, Duration.ofSeconds(Long.parseLong(bounds[0].trim())),
                    Duration.ofSeconds(Long.parseLong(bounds[bounds.length - 1].trim())), submitEvery, drain, true, report);
        }
    }

    /** One experiment submitted: a run, a sweep, or a run whose claim was forged before it was queued. */
    record Submission(String id, String kind, long atMs, List<String> args) {}

    /**
     * One fault, as injected.
     *
     * @param kind what
     * @param startMs when it began
     * @param endMs when the injection ended (the broker or process back, the SIGCONT sent)
     * @param target what it hit (node, worker, experiment)
     * @param held the experiment the hit trainer was training, or the forged experiment; null for none
     * @param recoveryMs measured at injection (broker: every replica in sync again; inference: ready); null when
     *     it is measured later from the events ({@link ChaosReport}) or not measurable
     * @param note what happened, in words
     */
    record Fault(ChaosFault kind, long startMs, long endMs, String target, String held, Long recoveryMs, String note) {}

    /** One classify call of the steady load. */
    record Probe(long atMs, boolean ok, String error) {}

    /** A trainer of the group: its name, its HTTP port, its current process. */
    private static final class Trainer {
        final String worker;
        final int http;
        volatile Process process;

        Trainer(String worker, int http) {
            this.worker = worker;
            this.http = http;
        }
    }

    private final Settings settings;
    private final Random faultRandom;
    private final Random submitRandom;
    private final List<Submission> submissions = new CopyOnWriteArrayList<>();
    private final List<Fault> faults = new CopyOnWriteArrayList<>();
    private final List<Probe> probes = new CopyOnWriteArrayList<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final Map<String, Integer> garbageWritten = Collections.synchronizedMap(new LinkedHashMap<>());
    private final AtomicBoolean stopping = new AtomicBoolean();
    /** Set once the last fault is over: submissions go on until then, so a late fault still finds work. */
    private final AtomicBoolean faultsOver = new AtomicBoolean();
    private int serial;

    ChaosSoak(Settings settings) {
        this.settings = settings;
        this.faultRandom = new Random(settings.seed());
        this.submitRandom = new Random(settings.seed() * 31 + 7);
    }

    /** Runs the soak and returns its report, also written to {@code settings.reportDir()}. */
    ChaosReport run() throws Exception {
        String prefix = "chaos-" + UUID.randomUUID().toString().substring(0, 8);
        long began = System.currentTimeMillis();
        try (LocalKafkaCluster cluster = LocalKafkaCluster.start()) {
            String bootstrap = cluster.bootstrap();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                TopicSetup.create(admin, prefix, new TopicLayout(TopicLayout.DEFAULT_PARTITIONS, (short) 3, 2));
                try (TestStack stack = new TestStack(bootstrap, prefix);
                        ChaosObserver observer = ChaosObserver.start(bootstrap, prefix);
                        ChaosForger forger = new ChaosForger(bootstrap, prefix, new Random(settings.seed() + 1))) {
                    List<Trainer> trainers = new ArrayList<>();
                    for (int i = 1; i <= settings.trainers(); i++) {
                        Trainer trainer = new Trainer("chaos-t" + i, TestStack.freePort());
                        trainer.process = stack.startTrainer(trainer.worker, trainer.http);
                        trainers.add(trainer);
                    }
                    Process[] inference = {stack.startInference(List.of())};
                    for (Trainer trainer : trainers) {
                        stack.awaitHttp(trainer.http, "/q/health/ready", 200);
                    }
                    stack.awaitHttp(stack.inferenceHttp, "/q/health/live", 200);
                    note("stack up on " + bootstrap + " under " + prefix + ": " + trainers.size() + " trainers, 1 inference replica");

                    long deadline = System.currentTimeMillis() + settings.duration().toMillis();
                    Thread submitter = daemon("chaos-submitter", () -> submitLoop(stack));
                    Thread prober = daemon("chaos-prober", () -> probeLoop(stack));
                    submitter.start();
                    prober.start();
                    try {
                        faultLoop(deadline, cluster, admin, stack, observer, forger, trainers, inference, prefix);
                    } finally {
                        faultsOver.set(true);
                    }
                    submitter.join(settings.submitEvery().toMillis() + 120_000);
                    boolean drained = drain(observer);
                    stopping.set(true);
                    prober.join(30_000);

                    List<ConsumerRecord<String, byte[]>> models = stack.broker().readAll(Topic.MODELS.name(prefix));
                    Optional<ModelInfo> served = served(stack, newestMlp(models));
                    Map<String, Boolean> up = servicesUp(stack, trainers, inference[0]);
                    observer.awaitCurrentEnd(Duration.ofMinutes(1));
                    ChaosReport report = ChaosReport.of(settings, prefix, began, System.currentTimeMillis(), drained,
                            List.copyOf(submissions), List.copyOf(faults), observer, models, served, up,
                            List.copyOf(probes), Map.copyOf(garbageWritten), List.copyOf(log));
                    report.write(settings.reportDir());
                    return report;
                }
            }
        }
    }

    // ---- submissions: runs and sweeps at a steady rate ----

    private void submitLoop(TestStack stack) {
        try {
            while (!faultsOver.get()) {
                try {
                    submitNext(stack);
                } catch (RuntimeException e) { // the CLI failing in-process: say so, keep the stream going
                    note("submit failed: " + e);
                }
                Thread.sleep(settings.submitEvery().toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void submitNext(TestStack stack) throws InterruptedException {
        int seed = submitRandom.nextInt(1000);
        boolean sweep = submitRandom.nextInt(3) == 0;
        boolean compare = submitRandom.nextInt(4) == 0;
        List<String> args = new ArrayList<>();
        if (sweep) {
            args.addAll(compare ? List.of("-a", "compare", "--epochs", "2", "--train-limit", "1000", "--sweep", "k=3,5")
                    : List.of("-a", "mlp", "--epochs", "2", "--train-limit", "3000", "--sweep",
                            "learningRate=0.01,0.02,0.05"));
        } else {
            args.addAll(compare ? List.of("-a", "compare", "-k", "3", "--epochs", "2", "--train-limit", "2000")
                    : List.of("-a", "mlp", "--epochs", "5", "--train-limit", "10000")); // long enough to be caught mid-run
        }
        args.addAll(List.of("--batch-size", "100", "--seed", Integer.toString(seed)));
        submit(stack, (sweep ? "chaos-sweep-" : "chaos-run-") + nextSerial(), sweep ? "sweep" : "run", args);
    }

    private synchronized int nextSerial() {
        return ++serial;
    }

    /** Submits with the CLI under {@code id}, again (the id is the idempotency key) while a broker is away. */
    private void submit(TestStack stack, String id, String kind, List<String> args) throws InterruptedException {
        List<String> all = new ArrayList<>(List.of("submit", "--id", id));
        all.addAll(args);
        long at = System.currentTimeMillis();
        CapturedRun run = null;
        for (int attempt = 0; attempt < 6; attempt++) {
            run = CliRun.with(stack.kafkaOnly(), all.toArray(String[]::new));
            if (run.exitCode() == 0) {
                submissions.add(new Submission(id, kind, at, List.copyOf(args)));
                return;
            }
            Thread.sleep(5_000);
        }
        note("submit " + id + " failed 6 times, not counted as submitted: " + run);
    }

    // ---- the steady inference load ----

    private void probeLoop(TestStack stack) {
        List<Image> images = ImageFiles.read(List.of(TEST_IMAGES), PROBE_IMAGES).stream()
                .map(ImageFiles.NamedImage::image).toList();
        while (!stopping.get()) {
            long at = System.currentTimeMillis();
            GrpcOptions grpc = grpcOptions(stack);
            // a fresh channel per call: a channel backing off after a restart would fail calls the replica would answer
            try (InferenceClient client = new InferenceClient(grpc)) {
                int answers = client.classify(images, false).size();
                probes.add(new Probe(at, answers == images.size(), answers == images.size() ? null
                        : answers + " answers to " + images.size() + " images"));
            } catch (RuntimeException e) {
                probes.add(new Probe(at, false, e.getMessage()));
            }
            try {
                Thread.sleep(Math.max(0, PROBE_EVERY.toMillis() - (System.currentTimeMillis() - at)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    // ---- faults, one at a time ----

    private void faultLoop(long deadline, LocalKafkaCluster cluster, Admin admin, TestStack stack, ChaosObserver observer,
            ChaosForger forger, List<Trainer> trainers, Process[] inference, String prefix) throws Exception {
        List<ChaosFault> firsts = new ArrayList<>();
        if (settings.everyKindFirst()) {
            firsts.addAll(List.of(ChaosFault.values()));
            Collections.shuffle(firsts, faultRandom);
        }
        while (true) {
            if (System.currentTimeMillis() >= deadline && firsts.isEmpty()) {
                return;
            }
            long gap = settings.gapMin().toMillis()
                    + (long) (faultRandom.nextDouble() * (settings.gapMax().toMillis() - settings.gapMin().toMillis()));
            Thread.sleep(gap);
            if (System.currentTimeMillis() >= deadline && firsts.isEmpty()) {
                return;
            }
            ChaosFault kind = firsts.isEmpty() ? ChaosFault.values()[faultRandom.nextInt(ChaosFault.values().length)]
                    : firsts.remove(0);
            Fault fault;
            long start = System.currentTimeMillis();
            try {
                fault = inject(kind, cluster, admin, stack, observer, forger, trainers, inference, prefix);
            } catch (Exception e) { // a fault that could not be injected, or a service that did not come back: say so, go on
                fault = new Fault(kind, start, System.currentTimeMillis(), "-", null, null, "failed: " + e);
            }
            faults.add(fault);
            note(fault.kind() + " on " + fault.target() + (fault.held() == null ? "" : " (" + fault.held() + ")")
                    + ": " + fault.note());
        }
    }

    private Fault inject(ChaosFault kind, LocalKafkaCluster cluster, Admin admin, TestStack stack, ChaosObserver observer,
            ChaosForger forger, List<Trainer> trainers, Process[] inference, String prefix) throws Exception {
        return switch (kind) {
                case BROKER_KILL -> killBroker(cluster, admin, prefix);
                case TRAINER_KILL -> killTrainer(stack, observer, trainers);
                case TRAINER_PAUSE -> pauseTrainer(observer, trainers);
                case INFERENCE_RESTART -> restartInference(stack, inference, observer);
                case GARBAGE -> garbage(stack, observer, forger);
                case FORGED_CLAIM -> forgeClaim(stack, forger);
                case FORGED_END -> forgeEnd(observer, forger);
            };
    }

    private Fault killBroker(LocalKafkaCluster cluster, Admin admin, String prefix) throws Exception {
        int node = 1 + faultRandom.nextInt(LocalKafkaCluster.NODES);
        long start = System.currentTimeMillis();
        cluster.kill(node);
        Thread.sleep(BROKER_DOWN.toMillis());
        cluster.restart();
        long back = System.currentTimeMillis();
        Long inSync = awaitFullIsr(admin, prefix);
        return new Fault(ChaosFault.BROKER_KILL, start, back, "broker " + node, null,
                inSync == null ? null : inSync - start, inSync == null ? "restarted; replicas not all in sync within "
                        + RECOVERY_BOUND.toSeconds() + " s" : "restarted; every replica of every topic in sync again");
    }

    /** When every partition of the soak's topics has all its replicas in sync; null when not within the bound. */
    private static Long awaitFullIsr(Admin admin, String prefix) throws InterruptedException {
        List<String> names = List.of(Topic.values()).stream().map(t -> t.name(prefix)).toList();
        long deadline = System.currentTimeMillis() + RECOVERY_BOUND.toMillis();
        while (System.currentTimeMillis() < deadline) {
            try {
                Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get();
                boolean full = topics.values().stream().flatMap(t -> t.partitions().stream())
                        .allMatch(p -> p.isr().size() == p.replicas().size());
                if (full) {
                    return System.currentTimeMillis();
                }
            } catch (java.util.concurrent.ExecutionException e) {
                // a metadata request to the node coming back: ask again
            }
            Thread.sleep(500);
        }
        return null;
    }

    /**
     * The trainer training a single run (not a sweep's fan-out), waited for a while: first one past its
     * first epoch (so a checkpoint exists and the take-over shows whether it resumes), then any busy
     * one; else any trainer.
     */
    private Trainer pickTrainer(ChaosObserver observer, List<Trainer> trainers) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        long anyBusyFrom = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < deadline) {
            List<Trainer> checkpointed = trainers.stream().filter(t -> running(observer, t.worker)
                    .filter(s -> s.epochsDone() != null && s.epochsDone() >= 1).isPresent()).toList();
            if (!checkpointed.isEmpty()) {
                return checkpointed.get(faultRandom.nextInt(checkpointed.size()));
            }
            List<Trainer> busy = trainers.stream().filter(t -> running(observer, t.worker).isPresent()).toList();
            if (!busy.isEmpty() && System.currentTimeMillis() >= anyBusyFrom) {
                return busy.get(faultRandom.nextInt(busy.size()));
            }
            Thread.sleep(250);
        }
        return trainers.get(faultRandom.nextInt(trainers.size()));
    }

    private static Optional<ExperimentState> running(ChaosObserver observer, String worker) {
        return observer.states().stream().filter(s -> s.status() == Type.RUNNING && !s.isFannedOut()
                && (worker == null || worker.equals(s.worker()))).findFirst();
    }

    private Fault killTrainer(TestStack stack, ChaosObserver observer, List<Trainer> trainers) throws Exception {
        Trainer trainer = pickTrainer(observer, trainers);
        String held = running(observer, trainer.worker).map(ExperimentState::experimentId).orElse(null);
        long start = System.currentTimeMillis();
        stack.kill(trainer.process);
        Thread.sleep(TRAINER_DOWN.toMillis());
        trainer.process = stack.startTrainer(trainer.worker, trainer.http);
        stack.awaitHttp(trainer.http, "/q/health/ready", 200);
        long ready = System.currentTimeMillis();
        return new Fault(ChaosFault.TRAINER_KILL, start, ready, trainer.worker, held, held == null ? ready - start : null,
                "kill -9, started again after " + TRAINER_DOWN.toSeconds() + " s, ready after " + (ready - start) + " ms");
    }

    private Fault pauseTrainer(ChaosObserver observer, List<Trainer> trainers) throws Exception {
        Trainer trainer = pickTrainer(observer, trainers);
        String held = running(observer, trainer.worker).map(ExperimentState::experimentId).orElse(null);
        long pid = trainer.process.pid();
        long start = System.currentTimeMillis();
        signal("STOP", pid);
        try {
            Thread.sleep(PAUSE.toMillis());
        } finally {
            signal("CONT", pid);
        }
        return new Fault(ChaosFault.TRAINER_PAUSE, start, System.currentTimeMillis(), trainer.worker, held, null,
                "SIGSTOP for " + PAUSE.toSeconds() + " s (lease " + ExperimentState.LEASE.toSeconds() + " s), then SIGCONT");
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
        }
    }

    private Fault restartInference(TestStack stack, Process[] inference, ChaosObserver observer) throws Exception {
        boolean anyModel = observer.events().stream().anyMatch(s -> s.event() != null && s.type().equals("SUCCEEDED"));
        long start = System.currentTimeMillis();
        stack.kill(inference[0]);
        inference[0] = stack.startInference(List.of());
        // ready only once a model is served: before the first artefact, live is all it can be
        stack.awaitHttp(stack.inferenceHttp, anyModel ? "/q/health/ready" : "/q/health/live", 200);
        long back = System.currentTimeMillis();
        return new Fault(ChaosFault.INFERENCE_RESTART, start, back, "inference", null, back - start,
                "kill -9, started again, " + (anyModel ? "ready" : "live (no model yet)") + " after " + (back - start) + " ms");
    }

    private Fault garbage(TestStack stack, ChaosObserver observer, ChaosForger forger) {
        List<String> ids = observer.states().stream().map(ExperimentState::experimentId).sorted().toList();
        ConsumerRecord<String, byte[]> last = newestMlp(stack.broker().readAll(Topic.MODELS.name(stack.prefix)));
        long start = System.currentTimeMillis();
        Map<String, Integer> written = forger.garbage(ids, last);
        written.forEach((topic, n) -> garbageWritten.merge(topic, n, Integer::sum));
        return new Fault(ChaosFault.GARBAGE, start, System.currentTimeMillis(), String.join(",", written.keySet()), null,
                null, "records per topic " + written);
    }

    private Fault forgeClaim(TestStack stack, ChaosForger forger) throws Exception {
        String id = "chaos-claimed-" + nextSerial();
        long start = System.currentTimeMillis();
        forger.forgeClaim(id);
        submit(stack, id, "forged-claim run", List.of("-a", "mlp", "--epochs", "2", "--train-limit", "3000",
                "--batch-size", "100", "--seed", Integer.toString(faultRandom.nextInt(1000))));
        return new Fault(ChaosFault.FORGED_CLAIM, start, System.currentTimeMillis(), id, id, null,
                "claim by " + ChaosForger.FORGER + " leased until " + ChaosForger.FAR_FUTURE + ", then its request queued");
    }

    private int forgedEnds;

    private Fault forgeEnd(ChaosObserver observer, ChaosForger forger) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        Set<String> forged = new HashSet<>();
        faults.stream().filter(f -> f.kind() == ChaosFault.FORGED_END && f.held() != null).forEach(f -> forged.add(f.held()));
        while (System.currentTimeMillis() < deadline) {
            List<ExperimentState> candidates = observer.states().stream().filter(s -> s.status() == Type.RUNNING
                    && !s.isFannedOut() && s.worker() != null && !forged.contains(s.experimentId())).toList();
            if (!candidates.isEmpty()) {
                ExperimentState target = candidates.get(faultRandom.nextInt(candidates.size()));
                ChaosForger.ForgedEnd[] shapes = ChaosForger.ForgedEnd.values();
                ChaosForger.ForgedEnd shape = shapes[forgedEnds++ % shapes.length]; // each shape in turn
                long start = System.currentTimeMillis();
                forger.forgeEnd(target, shape);
                return new Fault(ChaosFault.FORGED_END, start, System.currentTimeMillis(), target.worker(),
                        target.experimentId(), null, "FAILED written: " + shape);
            }
            Thread.sleep(500);
        }
        long now = System.currentTimeMillis();
        return new Fault(ChaosFault.FORGED_END, now, now, "nothing running", null, null, "skipped: nothing ran for 60 s");
    }

    // ---- the end ----

    /** Waits until every submitted experiment and every child of a sweep has ended on the events topic. */
    private boolean drain(ChaosObserver observer) throws InterruptedException {
        long deadline = System.currentTimeMillis() + settings.drainBound().toMillis();
        while (System.currentTimeMillis() < deadline) {
            Set<String> pending = ChaosReport.expectedIds(submissions, observer);
            observer.events().stream().filter(s -> s.event() != null && s.event().type().isTerminal())
                    .forEach(s -> pending.remove(s.experimentId()));
            if (pending.isEmpty()) {
                Thread.sleep(10_000); // a duplicate end would come now, if at all
                note("drained: every experiment ended");
                return true;
            }
            Thread.sleep(1_000);
        }
        note("drain: not every experiment ended within " + settings.drainBound().toMinutes() + " minutes");
        return false;
    }

    /** The newest artefact of mlp a trainer published (not the soak's garbage); null when none. */
    static ConsumerRecord<String, byte[]> newestMlp(List<ConsumerRecord<String, byte[]>> models) {
        ConsumerRecord<String, byte[]> newest = null;
        for (ConsumerRecord<String, byte[]> record : models) {
            if (record.headers().lastHeader(ChaosForger.GARBAGE_HEADER) == null && "mlp".equals(record.key())) {
                newest = record;
            }
        }
        return newest;
    }

    /**
     * What the replica serves as mlp, asked directly, once it serves {@code newest} (a swap takes a
     * moment) or after a minute; empty when it does not answer.
     */
    private static Optional<ModelInfo> served(TestStack stack, ConsumerRecord<String, byte[]> newest)
            throws InterruptedException {
        String version = newest == null ? null : text(newest.headers().lastHeader(Headers.VERSION));
        long deadline = System.currentTimeMillis() + 60_000;
        Optional<ModelInfo> served = Optional.empty();
        do {
            try (InferenceClient client = new InferenceClient(grpcOptions(stack))) {
                served = Optional.of(client.model("mlp"));
            } catch (RuntimeException e) {
                served = Optional.empty();
            }
            if (version == null || served.map(m -> m.getVersion().equals(version)).orElse(false)) {
                return served;
            }
            Thread.sleep(1_000);
        } while (System.currentTimeMillis() < deadline);
        return served;
    }

    private static Map<String, Boolean> servicesUp(TestStack stack, List<Trainer> trainers, Process inference) {
        Map<String, Boolean> up = new LinkedHashMap<>();
        for (Trainer trainer : trainers) {
            up.put(trainer.worker, trainer.process.isAlive() && answers(trainer.http, "/q/health/ready"));
        }
        up.put("inference", inference.isAlive() && answers(stack.inferenceHttp, "/q/health/ready"));
        return up;
    }

    private static boolean answers(int port, String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
            c.setConnectTimeout(5_000);
            c.setReadTimeout(5_000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static GrpcOptions grpcOptions(TestStack stack) {
        GrpcOptions grpc = new GrpcOptions();
        grpc.target = "127.0.0.1:" + stack.grpcPort;
        grpc.timeoutSeconds = 5;
        return grpc;
    }

    private static Thread daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        return thread;
    }

    private void note(String line) {
        String stamped = java.time.Instant.now() + " " + line;
        log.add(stamped);
        System.out.println("chaos: " + stamped);
    }

    /** The text of a header, empty when absent. */
    static String text(Header header) {
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** For the report's reader: where the services' logs are. */
    static Path logs() {
        return Path.of("target", "it-logs").toAbsolutePath();
    }
}
