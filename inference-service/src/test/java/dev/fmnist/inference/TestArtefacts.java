package dev.fmnist.inference;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import dev.fmnist.contract.artefacts.ModelArtefact;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.data.IdxFixtures;
import dev.fmnist.contract.kafka.TestTopics;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.engine.artefacts.ArtefactModels;
import dev.fmnist.engine.runtime.ComputeEngine;
import dev.fmnist.engine.training.FashionMnistTrainer;
import dev.fmnist.engine.training.TrainingObserver;
import dev.fmnist.proto.inference.GRPCInferenceServiceGrpc;
import dev.fmnist.proto.inference.ModelReadyRequest;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Small real MLP artefacts for the serving tests, published to the real broker as the trainer would. */
final class TestArtefacts {

    static final FashionMnist DATA = IdxFixtures.realData();
    /** The tests' own engine, on the CPU: the artefacts are data, whatever device the service serves on. */
    private static final ComputeEngine ENGINE = ComputeEngine.builder().optDevice(Device.cpu()).build();

    private TestArtefacts() {}

    static ModelArtefact train(long seed) {
        return train(seed, 3000, 1);
    }

    /** An MLP trained on the first {@code images} training images for {@code epochs} epochs. */
    static ModelArtefact train(long seed, int images, int epochs) {
        return train(Architecture.MLP, seed, images, epochs);
    }

    /** A network of {@code architecture} (no kernel option) trained as {@link #train(long, int, int)} trains one. */
    static ModelArtefact train(Architecture architecture, long seed, int images, int epochs) {
        HyperParameters hp = HyperParameters.builder().optEpochs(epochs).optBatchSize(500).optTrainLimit(images)
                .optSeed(seed).build();
        return ArtefactModels.of(new FashionMnistTrainer(ENGINE).train(NetworkSpec.of(architecture), hp, DATA,
                TrainingObserver.NONE), "inference-test-" + UUID.randomUUID(), Instant.now());
    }

    /** Publishes under the key the service serves in tests ({@code mlp}). */
    static void publish(byte[] artefact) throws InterruptedException, ExecutionException {
        publish("mlp", artefact);
    }

    /** Publishes under {@code model}, a served model's name (a test profile's fmnist.serving.models). */
    static void publish(String model, byte[] artefact) throws InterruptedException, ExecutionException {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestTopics.bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 20 * 1024 * 1024);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            producer.send(new ProducerRecord<>(TestTopics.name(Topic.MODELS), model, artefact)).get();
        }
    }

    /** Waits up to 2 minutes until {@code version} of the test model ({@code mlp}) is live, then asserts it is. */
    static void awaitLive(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2, String version)
            throws InterruptedException {
        awaitLive(v2, "mlp", version);
    }

    /** As {@link #awaitLive(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub, String)}, for {@code model}. */
    static void awaitLive(GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2, String model, String version)
            throws InterruptedException {
        ModelReadyRequest ready = ModelReadyRequest.newBuilder().setName(model).setVersion(version).build();
        long deadline = System.currentTimeMillis() + 120_000;
        while (!v2.modelReady(ready).getReady() && System.currentTimeMillis() < deadline) {
            Thread.sleep(200);
        }
        assertThat(v2.modelReady(ready).getReady()).as("version " + version + " live").isTrue();
    }
}
