package dev.fmnist.inference.predictions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.contract.predictions.PredictionRecord;
import dev.fmnist.contract.predictions.PredictionRole;
import dev.fmnist.contract.predictions.RequestSource;
import dev.fmnist.inference.predictions.PredictionMetrics.DropReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * The prediction log's buffer with a real producer that cannot send (its broker is an address where
 * nothing listens): offering never waits for it, what does not fit is dropped and counted, and every
 * record offered ends up written or counted as dropped, by reason.
 */
class PredictionBufferTest {

    private static final String MODEL = "mlp";

    /** A producer whose broker never answers: a send waits for the topic's metadata, up to a minute. */
    private static KafkaProducer<String, byte[]> unreachable() {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000, ProducerConfig.RECONNECT_BACKOFF_MS_CONFIG, 1_000),
                new StringSerializer(), new ByteArraySerializer());
    }

    private static Answer answer(int images) {
        float[][] probabilities = new float[images][FashionMnist.CLASSES];
        int[] classes = new int[images];
        RequestSource[] sources = new RequestSource[images];
        for (int i = 0; i < images; i++) {
            probabilities[i][i % FashionMnist.CLASSES] = 1f;
            classes[i] = i % FashionMnist.CLASSES;
        }
        Arrays.fill(sources, RequestSource.RAW);
        return new Answer(PredictionIds.newRequestId(), MODEL, "0123456789ab", PredictionRole.SERVED, "classify",
                sources, 10, Instant.now(), probabilities, classes, null, null, null);
    }

    private static double count(SimpleMeterRegistry registry, String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void aBrokerThatCannotTakeRecordsFillsTheBufferAndTheRestIsDroppedAndCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PredictionMetrics metrics = new PredictionMetrics(registry);
        PredictionBuffer buffer = new PredictionBuffer(unreachable(), "test.predictions", 10, metrics);
        int offered = 0;
        int accepted = 0;
        // the drainer takes the first answer and waits for metadata that never comes: the rest pile up
        for (int request = 0; request < 200; request++) {
            Answer answer = answer(3);
            offered += answer.size();
            if (buffer.offer(answer)) {
                accepted += answer.size();
            }
        }
        assertThat(accepted).as("records up to the buffer's size are kept").isEqualTo(9);
        assertThat(buffer.waiting()).isEqualTo(9);
        assertThat(count(registry, PredictionMetrics.DROPPED, "model", MODEL, "reason", "buffer"))
                .isEqualTo(offered - accepted);

        buffer.close(Duration.ofMillis(500));
        double logged = count(registry, PredictionMetrics.LOGGED, "model", MODEL);
        double dropped = Arrays.stream(DropReason.values()).mapToDouble(r -> count(registry, PredictionMetrics.DROPPED,
                "model", MODEL, "reason", r.tag())).sum();
        assertThat(logged).isZero();
        assertThat(dropped).as("every record offered is written or counted").isEqualTo(offered);
        assertThat(count(registry, PredictionMetrics.DROPPED, "model", MODEL, "reason", "producer"))
                .as("the records the producer had or was waiting to take").isPositive();
        assertThat(buffer.waiting()).isZero();
        assertThat(buffer.offer(answer(1))).as("a closed buffer takes nothing").isFalse();
    }

    @Test
    void aRecordThatCannotBeMadeIsCountedAsInvalidAndTheOthersGoOn() throws InterruptedException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PredictionMetrics metrics = new PredictionMetrics(registry);
        PredictionBuffer buffer = new PredictionBuffer(unreachable(), "test.predictions", 10, metrics);
        Answer answer = answer(2);
        answer.probabilities()[0][0] = Float.NaN; // no softmax gives it: the record refuses it
        assertThat(buffer.offer(answer)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (count(registry, PredictionMetrics.DROPPED, "model", MODEL, "reason", "invalid") < 1
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(count(registry, PredictionMetrics.DROPPED, "model", MODEL, "reason", "invalid")).isEqualTo(1);
        buffer.close(Duration.ofMillis(500));
        assertThat(count(registry, PredictionMetrics.DROPPED, "model", MODEL, "reason", "producer")).isEqualTo(1);
    }

    @Test
    void capturedPixelsAreTheModelsInputAsGrayLevels() {
        Answer answer = answer(2);
        float[] pixels = new float[2 * FashionMnist.PIXELS];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (i % 256) / 255f;
        }
        Answer captured = new Answer(answer.requestId(), MODEL, answer.version(), answer.role(), answer.api(),
                answer.sources(), 10, answer.at(), answer.probabilities(), answer.classes(), pixels, null, null);
        PredictionRecord second = captured.record(1);
        assertThat(second.predictionId()).isEqualTo(answer.requestId() + ".1");
        byte[] levels = second.pixels();
        for (int i = 0; i < FashionMnist.PIXELS; i++) {
            assertThat(levels[i] & 0xff).isEqualTo((FashionMnist.PIXELS + i) % 256);
        }
        assertThat(answer.record(0).pixels()).isNull();
    }
}
