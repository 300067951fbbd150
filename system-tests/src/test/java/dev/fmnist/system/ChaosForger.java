package dev.fmnist.system;

import dev.fmnist.contract.experiments.ExperimentEvent.Failed;
import dev.fmnist.contract.experiments.ExperimentEvent.Queued;
import dev.fmnist.contract.experiments.ExperimentEvent.Subject;
import dev.fmnist.contract.experiments.ExperimentState;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.contract.kafka.KafkaClients;
import dev.fmnist.contract.kafka.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Hostile records, as anyone who may write the internal topics could write them: garbage of every
 * kind on every internal topic, a claim leased until 2099, an end that no trainer wrote. Records on
 * {@code fmnist.models} carry {@link #GARBAGE_HEADER}, so the soak's checks can tell them from the
 * trainers' artefacts; the services ignore headers they do not know.
 */
final class ChaosForger implements AutoCloseable {

    /** Marks the soak's own records on the models topic. */
    static final String GARBAGE_HEADER = "chaos-garbage";
    /** The worker name of a forged claim. */
    static final String FORGER = "chaos-forger";
    /** A lease that, judged by the instant written, never lapses. */
    static final Instant FAR_FUTURE = Instant.parse("2099-01-01T00:00:00Z");
    /** What the events and reports topics hold is the record of what ran, and nothing in the code reads the DLQ. */
    private static final Set<Topic> NOT_INTERNAL = EnumSet.of(Topic.EXPERIMENT_EVENTS, Topic.REPORTS,
            Topic.EXPERIMENTS_DLQ);
    /** Huge-ish: beyond a default producer's 1 MB request, within the broker's 20 MB. */
    private static final int HUGE = 1_500_000;

    private final String prefix;
    private final Random random;
    private final KafkaProducer<String, byte[]> producer;
    private int garbageSerial;

    ChaosForger(String bootstrap, String prefix, Random random) {
        this.prefix = prefix;
        this.random = random;
        Map<String, Object> settings = KafkaClients.producer(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
        settings.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 4 * HUGE);
        settings.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
        producer = new KafkaProducer<>(settings, new StringSerializer(), new ByteArraySerializer());
    }

    /** The topics garbage goes to: every topic a service reads, whatever this build's contract lists (checkpoints too). */
    static List<Topic> internalTopics() {
        return Arrays.stream(Topic.values()).filter(t -> !NOT_INTERNAL.contains(t)).toList();
    }

    /**
     * Writes garbage on every internal topic: random bytes under a random key and under a real
     * experiment's key, an empty value, a huge value, a JSON of the wrong shape, and per topic what its
     * reader must refuse (a state of one experiment under another's key, an end record that is no end,
     * a truncated artefact with its original headers). Returns the records the broker took, per topic.
     *
     * @param realIds experiments that exist (their keys are used, never for a tombstone)
     * @param lastArtefact the newest trainer-written record of the models topic, or null
     */
    Map<String, Integer> garbage(List<String> realIds, ConsumerRecord<String, byte[]> lastArtefact) {
        Map<String, Integer> written = new LinkedHashMap<>();
        for (Topic topic : internalTopics()) {
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
            String name = topic.name(prefix);
            String real = realIds.isEmpty() ? "chaos-none" : realIds.get(random.nextInt(realIds.size()));
            // the intake is client-writable: garbage there is rejected under its own key, never a real one's
            String realKey = topic == Topic.EXPERIMENTS ? "chaos-garbage-" + garbageSerial : real;
            String keyOfModel = topic == Topic.MODELS || topic == Topic.MODEL_CONTROL ? "mlp" : realKey;
            records.add(record(name, "chaos-" + HexFormat.of().formatHex(bytes(4)), bytes(1 + random.nextInt(200))));
            records.add(record(name, keyOfModel, bytes(1 + random.nextInt(200))));
            // a compacted topic refuses a record without a key (and the rest of its batch): a broker's defence, not ours
            records.add(record(name, compacted(topic) ? "" : null, bytes(64)));
            records.add(record(name, keyOfModel, new byte[0]));
            records.add(record(name, keyOfModel, bytes(huge(topic))));
            records.add(record(name, keyOfModel, json("{\"experimentId\":42,\"type\":[\"cancel\"],\"model\":{}}")));
            switch (topic) {
                case EXPERIMENT_STATE -> {
                    String other = realIds.size() > 1 ? realIds.get((realIds.indexOf(real) + 1) % realIds.size())
                            : "chaos-other";
                    records.add(record(name, real, ExperimentState.of(other).toJson())); // a wrong key
                    records.add(record(name, StateTable.endKey(real), ExperimentState.of(real).toJson())); // no end
                    records.add(record(name, real, json("{\"experimentId\":\"" + real
                            + "\",\"worker\":\"x\",\"attempt\":1,\"heartbeatAt\":\"yesterday\"}")));
                }
                case EXPERIMENT_CONTROL -> {
                    records.add(record(name, real, json("{\"type\":\"cancel\"}")));
                    records.add(record(name, real, json("{\"type\":\"explode\",\"experimentId\":\"" + real + "\"}")));
                }
                case MODEL_CONTROL -> records.add(record(name, "mlp", json("{\"model\":\"mlp\",\"pinned\":12345}")));
                case MODELS -> {
                    if (lastArtefact != null) { // whole headers, half the zip: the sha256 must catch it
                        byte[] half = Arrays.copyOf(lastArtefact.value(), lastArtefact.value().length / 2);
                        ProducerRecord<String, byte[]> truncated = new ProducerRecord<>(name, null, lastArtefact.key(), half,
                                withGarbageMark(lastArtefact.headers().toArray()));
                        records.add(truncated);
                    }
                    records.add(new ProducerRecord<>(name, null, "mlp", bytes(4096), withGarbageMark(new Header[] {
                        header(Headers.VERSION, HexFormat.of().formatHex(bytes(6))),
                        header(Headers.PARAMETERS_SHA256, HexFormat.of().formatHex(bytes(32))),
                        header(Headers.EXPERIMENT_ID, "chaos-garbage-" + garbageSerial)})));
                }
                default -> { } // the kinds above are what every topic gets
            }
            int accepted = 0;
            for (ProducerRecord<String, byte[]> record : records) {
                accepted += send(record) ? 1 : 0;
            }
            written.put(topic.suffix(), accepted);
        }
        garbageSerial++;
        return written;
    }

    private static boolean compacted(Topic topic) {
        return topic.configs().getOrDefault("cleanup.policy", "delete").contains("compact");
    }

    /** Huge-ish, but within what the topic accepts: a record it refuses tests the broker, not the services. */
    private static int huge(Topic topic) {
        String max = topic.configs().get("max.message.bytes");
        return max == null ? HUGE : Math.min(HUGE, Integer.parseInt(max) - 16_384);
    }

    /**
     * A claim on {@code experimentId} by nobody's trainer, its lease renewed "at" 2099: a trainer that
     * judges leases by the instant written waits for it forever.
     */
    void forgeClaim(String experimentId) throws Exception {
        ExperimentState claim = ExperimentState.of(experimentId).next(Queued.of(experimentId, Subject.NONE))
                .claimedBy(FORGER, 1, FAR_FUTURE);
        producer.send(new ProducerRecord<>(Topic.EXPERIMENT_STATE.name(prefix), experimentId, claim.toJson()))
                .get(60, TimeUnit.SECONDS);
    }

    /** The shapes a forged end takes: what a writer of the state topic can do to a running experiment. */
    enum ForgedEnd {
        /** The holder's own claim (worker, attempt) copied with status FAILED, under the end key. */
        COPIED_CLAIM_UNDER_END_KEY,
        /** The same under the experiment's id. */
        COPIED_CLAIM_UNDER_ID,
        /** A FAILED end claimed by nobody's trainer, with a higher attempt, under the end key. */
        FOREIGN_UNDER_END_KEY
    }

    /** An end (FAILED) of a running experiment that its trainer did not write, in one of the {@link ForgedEnd} shapes. */
    void forgeEnd(ExperimentState running, ForgedEnd shape) throws Exception {
        String id = running.experimentId();
        ExperimentState claim = shape == ForgedEnd.FOREIGN_UNDER_END_KEY
                ? running.claimedBy(FORGER, running.nextAttempt() + 8, Instant.now()) : running;
        ExperimentState end = claim.next(Failed.of(id, Subject.of(running), "chaos: forged end"));
        String key = shape == ForgedEnd.COPIED_CLAIM_UNDER_ID ? id : StateTable.endKey(id);
        producer.send(new ProducerRecord<>(Topic.EXPERIMENT_STATE.name(prefix), key, end.toJson()))
                .get(60, TimeUnit.SECONDS);
    }

    private ProducerRecord<String, byte[]> record(String topic, String key, byte[] value) {
        if (topic.equals(Topic.MODELS.name(prefix))) {
            return new ProducerRecord<>(topic, null, key, value, withGarbageMark(new Header[0]));
        }
        return new ProducerRecord<>(topic, key, value);
    }

    /** Writes one record, alone in its batch (a refused one takes no other with it); false when the broker refused it. */
    private boolean send(ProducerRecord<String, byte[]> record) {
        try {
            producer.send(record).get(60, TimeUnit.SECONDS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | TimeoutException e) {
            System.out.println("chaos: garbage refused by " + record.topic() + ": " + e.getCause());
            return false;
        }
    }

    private static List<Header> withGarbageMark(Header[] headers) {
        List<Header> marked = new ArrayList<>(Arrays.asList(headers));
        marked.add(header(GARBAGE_HEADER, "true"));
        return marked;
    }

    private static Header header(String key, String value) {
        return new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        producer.close();
    }
}
