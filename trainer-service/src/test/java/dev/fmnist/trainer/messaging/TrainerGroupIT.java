package dev.fmnist.trainer.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.NeedsBroker;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/**
 * Three packaged trainers in one group on a real broker: 30 small experiments, some sent twice under
 * other keys, a long one whose trainer is killed mid-run, a trainer added mid-way (a rebalance), a
 * 6-value sweep, and duplicates sent after everything ended. Every experiment ends exactly once,
 * every SUCCEEDED one has exactly one artefact, and the sweep is spread over trainers and summed up once.
 */
@NeedsBroker
class TrainerGroupIT {

    private static final Duration WAIT = Duration.ofMinutes(6);
    private static final int SMALL = 30;

    private final String prefix = TestTopics.fresh("group");
    private final String run = KafkaTestSupport.id("group");

    private String topic(Topic topic) {
        return topic.name(prefix);
    }

    private static Map<String, Object> small(String id) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("experimentId", id);
        request.put("architecture", "mlp");
        request.put("epochs", 1);
        request.put("batchSize", 100);
        request.put("trainLimit", 500);
        return request;
    }

    @Test
    void everyExperimentEndsOnceThroughDuplicatesAKilledTrainerAndARebalance() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < SMALL; i++) {
            ids.add(run + "-" + i);
        }
        String longRun = run + "-long";
        String sweep = run + "-sweep";
        Map<String, Object> longRequest = small(longRun);
        longRequest.put("epochs", 40);
        longRequest.put("trainLimit", 3000);
        Map<String, Object> sweepRequest = small(sweep);
        sweepRequest.put("sweep", Map.of("parameter", "learningRate", "values", List.of(0.01, 0.02, 0.03, 0.04, 0.05, 0.06)));

        Map<String, Process> trainers = new LinkedHashMap<>();
        trainers.put("t1", TrainerProcess.start(prefix, "t1"));
        trainers.put("t2", TrainerProcess.start(prefix, "t2"));
        try (KafkaTestSupport kafka = new KafkaTestSupport()) {
            String requests = topic(Topic.EXPERIMENTS);
            kafka.sendKeyed(requests, longRun, KafkaTestSupport.json(longRequest));
            kafka.sendKeyed(requests, sweep, KafkaTestSupport.json(sweepRequest));
            for (int i = 0; i < SMALL; i++) {
                kafka.sendKeyed(requests, ids.get(i), KafkaTestSupport.json(small(ids.get(i))));
                if (i % 3 == 0) { // the same experiment again, under a key that picks another partition
                    kafka.sendKeyed(requests, "other-key-" + i, KafkaTestSupport.json(small(ids.get(i))));
                }
            }

            // kill whichever trainer took the long run, in the middle of it; then add a third trainer
            Running running = events(es -> es.stream().anyMatch(e -> e.experimentId().equals(longRun)
                    && e.type() == Type.EPOCH)).stream()
                    .filter(e -> e.experimentId().equals(longRun)).filter(Running.class::isInstance)
                    .map(Running.class::cast).findFirst().orElseThrow();
            trainers.get(running.worker()).destroyForcibly().waitFor(); // SIGKILL: no ack, no commit, no end
            trainers.put("t3", TrainerProcess.start(prefix, "t3"));

            List<String> all = new ArrayList<>(ids);
            all.add(longRun);
            all.add(sweep);
            events(es -> ended(es).containsAll(all));

            // duplicates of ended experiments, under their own keys and under others
            for (int i = 0; i < 5; i++) {
                kafka.sendKeyed(requests, ids.get(i), KafkaTestSupport.json(small(ids.get(i))));
                kafka.sendKeyed(requests, "late-key-" + i, KafkaTestSupport.json(small(ids.get(i))));
            }
            kafka.sendKeyed(requests, sweep, KafkaTestSupport.json(sweepRequest));
            awaitNoLag();

            List<ExperimentEvent> events = events(es -> true);
            List<String> children = List.of("0.01", "0.02", "0.03", "0.04", "0.05", "0.06").stream()
                    .map(v -> sweep + "/learningRate=" + v).toList();
            List<String> everyOne = new ArrayList<>(all);
            everyOne.addAll(children);
            for (String id : everyOne) {
                assertThat(events.stream().filter(e -> e.experimentId().equals(id) && e.type().isTerminal()))
                        .as("terminal events of %s", id).hasSize(1);
            }
            assertThat(terminal(events, longRun)).isEqualTo(Type.SUCCEEDED);
            assertThat(workers(events, longRun)).as("the long run was taken over").hasSize(2).contains(running.worker());

            Map<String, Long> artefacts = artefactsPerExperiment();
            for (String id : everyOne) {
                long expected = terminal(events, id) == Type.SUCCEEDED && !id.equals(sweep) ? 1 : 0;
                assertThat(artefacts.getOrDefault(id, 0L)).as("artefacts of %s", id).isEqualTo(expected);
            }

            assertThat(events.stream().filter(e -> e.experimentId().equals(sweep) && e.type() == Type.SWEEP_SUMMARY))
                    .hasSize(1);

            // every end is also under its end key, on its id's partition, so compaction cannot hide it
            List<ConsumerRecord<String, byte[]>> states = KafkaTestSupport.read(topic(Topic.EXPERIMENT_STATE),
                    rs -> false, Duration.ofSeconds(5));
            Map<String, Integer> partitionOf = states.stream().filter(r -> !r.key().endsWith(StateTable.END_KEY_SUFFIX))
                    .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::partition, (a, b) -> a));
            for (String id : everyOne) {
                List<ConsumerRecord<String, byte[]>> ends = states.stream()
                        .filter(r -> r.key().equals(StateTable.endKey(id))).toList();
                assertThat(ends).as("end records of %s", id).hasSize(1);
                assertThat(ends.get(0).partition()).isEqualTo(partitionOf.get(id));
            }

            // a sweep fanned out while the group is stable (two trainers holding partitions) spreads over
            // them; the first one's spread depends on when the kill and the rebalance fell, so it is not asserted
            String spread = run + "-spread";
            Map<String, Object> spreadRequest = small(spread);
            spreadRequest.put("sweep", Map.of("parameter", "learningRate", "values",
                    List.of(0.01, 0.02, 0.03, 0.04, 0.05, 0.06)));
            kafka.sendKeyed(requests, spread, KafkaTestSupport.json(spreadRequest));
            List<ExperimentEvent> spreadEvents = events(es -> ended(es).contains(spread));
            List<String> spreadChildren = List.of("0.01", "0.02", "0.03", "0.04", "0.05", "0.06").stream()
                    .map(v -> spread + "/learningRate=" + v).toList();
            assertThat(terminal(spreadEvents, spread)).isEqualTo(Type.SUCCEEDED);
            assertThat(spreadChildren.stream().flatMap(c -> workers(spreadEvents, c).stream()).collect(Collectors.toSet()))
                    .as("the sweep's children ran on more than one trainer").hasSizeGreaterThan(1);
        } finally {
            for (Process trainer : trainers.values()) {
                trainer.destroy();
            }
            for (Process trainer : trainers.values()) {
                trainer.waitFor();
            }
        }
    }

    private List<ExperimentEvent> events(Predicate<List<ExperimentEvent>> done) {
        return KafkaTestSupport.read(topic(Topic.EXPERIMENT_EVENTS), rs -> done.test(parse(rs)), WAIT).stream()
                .map(r -> KafkaTestSupport.parse(r.value())).toList();
    }

    private static List<ExperimentEvent> parse(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(r -> KafkaTestSupport.parse(r.value())).toList();
    }

    private static Set<String> ended(List<ExperimentEvent> events) {
        return events.stream().filter(e -> e.type().isTerminal()).map(ExperimentEvent::experimentId)
                .collect(Collectors.toSet());
    }

    private static Type terminal(List<ExperimentEvent> events, String id) {
        return events.stream().filter(e -> e.experimentId().equals(id) && e.type().isTerminal()).findFirst()
                .map(ExperimentEvent::type).orElse(null);
    }

    private static Set<String> workers(List<ExperimentEvent> events, String id) {
        return events.stream().filter(e -> e.experimentId().equals(id)).filter(Running.class::isInstance)
                .map(e -> ((Running) e).worker()).collect(Collectors.toSet());
    }

    private Map<String, Long> artefactsPerExperiment() {
        List<ConsumerRecord<String, byte[]>> models = KafkaTestSupport.read(topic(Topic.MODELS), rs -> false,
                Duration.ofSeconds(5));
        return models.stream().map(r -> r.headers().lastHeader(Headers.EXPERIMENT_ID)).filter(h -> h != null)
                .map(TrainerGroupIT::text).collect(Collectors.groupingBy(id -> id, Collectors.counting()));
    }

    private static String text(Header header) {
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Waits until the group has committed every request: each one was handled and acked. */
    private void awaitNoLag() throws Exception {
        String group = prefix + "-trainers";
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap()))) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
                admin.describeTopics(List.of(topic(Topic.EXPERIMENTS))).allTopicNames().get()
                        .get(topic(Topic.EXPERIMENTS)).partitions()
                        .forEach(p -> latest.put(new TopicPartition(topic(Topic.EXPERIMENTS), p.partition()), OffsetSpec.latest()));
                Map<TopicPartition, Long> ends = admin.listOffsets(latest).all().get().entrySet().stream()
                        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
                boolean caughtUp = ends.entrySet().stream().allMatch(e -> e.getValue() == 0
                        || (committed.get(e.getKey()) != null && committed.get(e.getKey()).offset() >= e.getValue()));
                if (caughtUp) {
                    return;
                }
                Thread.sleep(1000);
            }
            throw new AssertionError("the trainer group did not commit every request within " + WAIT);
        }
    }
}
