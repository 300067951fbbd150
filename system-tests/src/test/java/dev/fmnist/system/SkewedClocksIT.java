package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Two packaged trainers whose clocks are 6 minutes apart (one 3 minutes ahead, one 3 behind:
 * {@code fmnist.trainer.clock-offset}, applied to every instant they write on the state topic). With
 * leases judged by comparing written instants, the one ahead took over the other's live runs at once
 * and the one behind waited 6 minutes for a dead one's. Judged on each trainer's own monotonic clock,
 * a few runs, their duplicates under other keys and a small sweep end exactly once, one artefact per
 * success, no live run is taken over, and the run of the trainer killed mid-run is taken over about a
 * lease later.
 */
class SkewedClocksIT {

    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final Duration SKEW = Duration.ofMinutes(3);

    @Test
    void twoTrainersWithClocksMinutesApartKeepExactlyOnceThroughAKill() throws Exception {
        try (TestStack stack = new TestStack()) {
            String run = "skew-" + UUID.randomUUID().toString().substring(0, 8);
            Map<String, Process> trainers = new LinkedHashMap<>();
            Map<String, Integer> ports = Map.of("ahead", TestStack.freePort(), "behind", TestStack.freePort());
            try (KafkaProducer<String, byte[]> producer = producer(stack)) {
                trainers.put("ahead", startTrainer(stack, "ahead", ports.get("ahead"), SKEW));
                trainers.put("behind", startTrainer(stack, "behind", ports.get("behind"), SKEW.negated()));
                stack.awaitHttp(ports.get("ahead"), "/q/health/ready", 200);
                stack.awaitHttp(ports.get("behind"), "/q/health/ready", 200);

                List<String> runs = new ArrayList<>();
                String requests = Topic.EXPERIMENTS.name(stack.prefix);
                String longRun = run + "-long";
                send(producer, requests, longRun, request(longRun, 8, 3000, null));
                for (int i = 0; i < 4; i++) {
                    String id = run + "-" + i;
                    runs.add(id);
                    send(producer, requests, id, request(id, 1, 500, null));
                    send(producer, requests, "other-key-" + id, request(id, 1, 500, null)); // a duplicate
                }
                String sweep = run + "-sweep";
                send(producer, requests, sweep, request(sweep, 1, 500, List.of(0.01, 0.02, 0.03)));

                // kill whichever trainer runs the long run, once it has finished an epoch
                Broker broker = stack.broker();
                Running running = events(broker, es -> es.stream().anyMatch(e -> e.experimentId().equals(longRun)
                        && e.type() == Type.EPOCH)).stream().filter(e -> e.experimentId().equals(longRun))
                        .filter(Running.class::isInstance).map(Running.class::cast).findFirst().orElseThrow();
                trainers.remove(running.worker()).destroyForcibly().waitFor(); // no ack, no end, no more beats

                List<String> children = List.of(0.01, 0.02, 0.03).stream().map(v -> sweep + "/learningRate=" + v).toList();
                List<String> all = new ArrayList<>(runs);
                all.add(longRun);
                all.add(sweep);
                all.addAll(children);
                List<ExperimentEvent> events = events(broker, es -> ended(es).containsAll(all));

                for (String id : all) {
                    assertThat(events.stream().filter(e -> e.experimentId().equals(id) && e.type().isTerminal())
                            .map(ExperimentEvent::type)).as("the end of %s", id).containsExactly(Type.SUCCEEDED);
                }
                assertThat(workers(events, longRun)).as("the killed trainer's run was taken over")
                        .containsExactlyInAnyOrder("ahead", "behind");
                for (String id : all) {
                    if (!id.equals(longRun) && !id.equals(sweep)) {
                        assertThat(events.stream().filter(e -> e.experimentId().equals(id) && e.type() == Type.RUNNING))
                                .as("%s ran once: no live run was taken over", id).hasSize(1);
                    }
                }
                assertThat(events.stream().filter(e -> e.experimentId().equals(sweep) && e.type() == Type.SWEEP_SUMMARY))
                        .hasSize(1);
                Map<String, Long> artefacts = broker.readAll(broker.options().models()).stream()
                        .map(r -> text(r.headers().lastHeader(Headers.EXPERIMENT_ID)))
                        .collect(Collectors.groupingBy(id -> id, Collectors.counting()));
                for (String id : all) {
                    assertThat(artefacts.getOrDefault(id, 0L)).as("artefacts of %s", id).isEqualTo(id.equals(sweep) ? 0 : 1);
                }

                // the skew was real: each trainer's beats carry its own clock, minutes from the other's
                Map<String, Duration> offsets = new LinkedHashMap<>();
                for (ConsumerRecord<String, byte[]> r : broker.readAll(broker.options().state())) {
                    if (r.value() == null || r.key().endsWith(StateTable.END_KEY_SUFFIX)) {
                        continue;
                    }
                    ExperimentState state = ExperimentState.parse(r.value());
                    if (state.worker() != null && state.heartbeatAt() != null) {
                        // the record's timestamp is the writer's true clock (its producer's), the beat its skewed one
                        offsets.put(state.worker(), Duration.between(Instant.ofEpochMilli(r.timestamp()),
                                Instant.parse(state.heartbeatAt())));
                    }
                }
                assertThat(offsets).containsKeys("ahead", "behind");
                Duration apart = offsets.get("ahead").minus(offsets.get("behind"));
                assertThat(apart).as("ahead's written clock minus behind's, against the broker's timestamps")
                        .isBetween(SKEW.multipliedBy(2).minusSeconds(10), SKEW.multipliedBy(2).plusSeconds(10));
            } finally {
                for (Process trainer : trainers.values()) {
                    trainer.destroy();
                }
                for (Process trainer : trainers.values()) {
                    trainer.waitFor();
                }
            }
        }
    }

    /**
     * A packaged trainer named {@code worker}, one PyTorch thread, writing its instants {@code offset} off.
     * Started here rather than by {@link TestStack}, whose trainers have no clock offset to set.
     */
    private static Process startTrainer(TestStack stack, String worker, int httpPort, Duration offset)
            throws IOException {
        String jar = System.getProperty("trainer.app");
        if (jar == null || !Files.exists(Path.of(jar))) {
            throw new IllegalStateException("trainer jar missing (" + jar + "): package the services first");
        }
        List<String> command = List.of("java", "-XX:TieredStopAtLevel=1", "-Dquarkus.http.port=" + httpPort,
                "-D" + TestTopics.PREFIX_PROPERTY + "=" + stack.prefix, "-Dkafka.bootstrap.servers=" + stack.bootstrap,
                "-Dfmnist.trainer.progress-interval-ms=100", "-Dfmnist.trainer.worker=" + worker,
                "-Dfmnist.trainer.threads=1", "-Dfmnist.trainer.clock-offset=" + offset, "-jar", jar);
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.resolve(stack.prefix + "-" + worker + ".log").toFile()));
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrap);
        return builder.start();
    }

    private static String request(String id, int epochs, int trainLimit, List<Double> sweep) {
        String sweepField = sweep == null ? "" : ",\"sweep\":{\"parameter\":\"learningRate\",\"values\":"
                + sweep.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]")) + "}";
        return "{\"experimentId\":\"" + id + "\",\"architecture\":\"mlp\",\"epochs\":" + epochs
                + ",\"batchSize\":100,\"trainLimit\":" + trainLimit + sweepField + "}";
    }

    private static KafkaProducer<String, byte[]> producer(TestStack stack) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    private static void send(KafkaProducer<String, byte[]> producer, String topic, String key, String value)
            throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8))).get();
    }

    private static List<ExperimentEvent> events(Broker broker, Predicate<List<ExperimentEvent>> done) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<ExperimentEvent> events = List.of();
        while (System.nanoTime() < deadline) {
            events = broker.readAll(broker.options().events()).stream().map(r -> ExperimentEvent.parse(r.value())).toList();
            if (done.test(events)) {
                return events;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("not done within " + WAIT + "; events so far: " + events.size());
    }

    private static Set<String> ended(List<ExperimentEvent> events) {
        return events.stream().filter(e -> e.type().isTerminal()).map(ExperimentEvent::experimentId)
                .collect(Collectors.toSet());
    }

    private static Set<String> workers(List<ExperimentEvent> events, String id) {
        return events.stream().filter(e -> e.experimentId().equals(id)).filter(Running.class::isInstance)
                .map(e -> ((Running) e).worker()).collect(Collectors.toSet());
    }

    private static String text(Header header) {
        return header == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
    }
}
