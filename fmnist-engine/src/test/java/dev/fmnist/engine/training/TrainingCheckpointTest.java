package dev.fmnist.engine.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.fmnist.contract.networks.Architecture;
import dev.fmnist.contract.networks.NetworkSpec;
import dev.fmnist.contract.training.EpochMetrics;
import dev.fmnist.contract.training.HyperParameters;
import dev.fmnist.engine.training.TrainingCheckpoint.Kept;
import dev.fmnist.engine.training.TrainingCheckpoint.NamedArray;
import dev.fmnist.engine.training.TrainingCheckpoint.ParameterState;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/** The checkpoint's bytes: read back as written, and anything else refused by name. */
class TrainingCheckpointTest {

    private static final HyperParameters HP = HyperParameters.builder().optEpochs(3).optSeed(9).build();
    private static final NetworkSpec MLP = NetworkSpec.of(Architecture.MLP);
    /** Where the finished epochs' count sits: magic, version, the fingerprint, the position's fields. */
    private static final int EPOCH_COUNT_AT = 8 + 4 + 4 + 64 + 4 + 4 + 8 + 8 + 8;

    private static TrainingCheckpoint small() {
        EpochMetrics first = new EpochMetrics(0, 1.5, 0.7, 0.8, 0.79, 0.2, 1000, 123_456_789L, 0.78, 0.65);
        return new TrainingCheckpoint(TrainingCheckpoint.fingerprint(MLP, HP), 1, 4, 2.75, 310, 0.5, List.of(first),
                List.of(new NamedArray("01Linear_weight", new float[] {1f, -0f, Float.MIN_VALUE}),
                        new NamedArray("01Linear_bias", new float[] {3f})),
                List.of(new ParameterState("01Linear_weight", 24, List.of(new float[] {.1f, .2f, .3f},
                        new float[] {.4f, .5f, .6f})), new ParameterState("01Linear_bias", 24,
                                List.of(new float[] {.7f}, new float[] {.8f}))),
                new Kept(0.78, 0, List.of(new NamedArray("01Linear_weight", new float[] {9f, 8f, 7f}),
                        new NamedArray("01Linear_bias", new float[] {6f})), 0.78, 0));
    }

    @Test
    void readsBackWhatItWrote() {
        TrainingCheckpoint written = small();
        byte[] bytes = written.toBytes();

        TrainingCheckpoint read = TrainingCheckpoint.fromBytes(bytes);

        assertThat(read.toBytes()).isEqualTo(bytes);
        assertThat(read.epoch()).isEqualTo(1);
        assertThat(read.batchesDone()).isEqualTo(4);
        assertThat(read.epochs()).isEqualTo(written.epochs());
        assertThat(read.fingerprint()).isEqualTo(TrainingCheckpoint.fingerprint(MLP, HP)).hasSize(64);
        assertThat(read.lossSum()).isEqualTo(2.75);
        assertThat(read.correct()).isEqualTo(310);
        assertThat(read.weights().get(0).values()).as("bits, -0 included")
                .isEqualTo(new float[] {1f, -0f, Float.MIN_VALUE});
        assertThat(Float.floatToRawIntBits(read.weights().get(0).values()[1])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(read.optimizer().get(0).updates()).isEqualTo(24);
        assertThat(read.optimizer().get(1).slots().get(1)).isEqualTo(new float[] {.8f});
        assertThat(read.kept().bestParameters().get(0).values()).isEqualTo(new float[] {9f, 8f, 7f});
        assertThat(read.kept().bestEpoch()).isZero();
    }

    @Test
    void theFingerprintTellsRecipesApart() {
        assertThat(TrainingCheckpoint.fingerprint(MLP, HP)).isEqualTo(TrainingCheckpoint.fingerprint(MLP,
                HP.toBuilder().build()));
        assertThat(TrainingCheckpoint.fingerprint(MLP, HP.toBuilder().optLearningRate(0.0011).build()))
                .isNotEqualTo(TrainingCheckpoint.fingerprint(MLP, HP));
        assertThat(TrainingCheckpoint.fingerprint(NetworkSpec.of(Architecture.BASELINE), HP))
                .isNotEqualTo(TrainingCheckpoint.fingerprint(MLP, HP));
        assertThat(TrainingCheckpoint.fingerprint(MLP, HP.toBuilder().optEpochs(4).build()))
                .as("the schedule spans the run").isNotEqualTo(TrainingCheckpoint.fingerprint(MLP, HP));
    }

    @Test
    void anythingButACheckpointIsRefusedByName() {
        byte[] bytes = small().toBytes();

        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(new byte[0])).hasMessageStartingWith("magic:");
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes("{\"epoch\": 1}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("magic:");
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(Arrays.copyOf(bytes, 10)))
                .hasMessageStartingWith("bytes: truncated");

        byte[] otherVersion = bytes.clone();
        ByteBuffer.wrap(otherVersion).putInt(8, 2);
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(otherVersion)).hasMessageStartingWith("format version:")
                .hasMessageContaining("2");

        byte[] flipped = bytes.clone();
        flipped[bytes.length / 2] ^= 0x01;
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(flipped)).hasMessageStartingWith("checksum:");
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(Arrays.copyOf(bytes, bytes.length - 7)))
                .hasMessageStartingWith("checksum:");
    }

    @Test
    void forgedCountsAllocateNothingAndAreRefusedByName() {
        byte[] body = Arrays.copyOf(small().toBytes(), small().toBytes().length - 4);

        byte[] manyEpochs = body.clone();
        ByteBuffer.wrap(manyEpochs).putInt(EPOCH_COUNT_AT, Integer.MAX_VALUE);
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(withCrc(manyEpochs)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("epochs: count must be between");

        byte[] moreThanThere = body.clone();
        ByteBuffer.wrap(moreThanThere).putInt(EPOCH_COUNT_AT, 900);
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(withCrc(moreThanThere)))
                .hasMessageStartingWith("epochs: truncated: 900 entries cannot fit");

        byte[] hugeArray = body.clone(); // the first weight's element count, after its 15-byte name
        int firstArrayCount = EPOCH_COUNT_AT + 4 + 76 + 4 + 4 + 15;
        assertThat(ByteBuffer.wrap(hugeArray).getInt(firstArrayCount)).as("the field this forges").isEqualTo(3);
        ByteBuffer.wrap(hugeArray).putInt(firstArrayCount, 500_000_000);
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(withCrc(hugeArray)))
                .hasMessageStartingWith("weights.01Linear_weight: truncated");

        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(withCrc(Arrays.copyOf(body, body.length - 9))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(withCrc(Arrays.copyOf(body, body.length + 3))))
                .hasMessageStartingWith("bytes: 3 bytes left over");
    }

    @Test
    void fieldsOutOfTheirBoundsAreRefusedByName() {
        byte[] body = Arrays.copyOf(small().toBytes(), small().toBytes().length - 4);
        byte[] negativeBatches = body.clone();
        ByteBuffer.wrap(negativeBatches).putInt(EPOCH_COUNT_AT - 28, -1);
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(withCrc(negativeBatches)))
                .hasMessageStartingWith("batchesDone:");

        byte[] epochsMismatch = body.clone();
        ByteBuffer.wrap(epochsMismatch).putInt(EPOCH_COUNT_AT - 32, 2); // epoch 2 with one finished epoch
        assertThatThrownBy(() -> TrainingCheckpoint.fromBytes(withCrc(epochsMismatch)))
                .hasMessageStartingWith("epochs: must hold the 2 finished epochs");

        TrainingCheckpoint valid = small();
        assertThatThrownBy(() -> new TrainingCheckpoint("not hex", 1, 0, 0, 0, 0, valid.epochs(), valid.weights(),
                valid.optimizer(), valid.kept())).hasMessageStartingWith("fingerprint:");
        assertThatThrownBy(() -> new TrainingCheckpoint(valid.fingerprint(), 1, 0, 0, 0, 0, valid.epochs(),
                valid.weights(), valid.optimizer(), new Kept(0.5, 1, List.of(), 0.5, 0)))
                .hasMessageStartingWith("bestEpoch:");
        assertThatThrownBy(() -> new TrainingCheckpoint(valid.fingerprint(), 1, 3, Double.NaN, 0, 0, valid.epochs(),
                valid.weights(), valid.optimizer(), valid.kept())).hasMessageStartingWith("lossSum:");
    }

    private static byte[] withCrc(byte[] body) {
        CRC32 crc = new CRC32();
        crc.update(body);
        return ByteBuffer.allocate(body.length + 4).put(body).putInt((int) crc.getValue()).array();
    }
}
