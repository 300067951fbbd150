package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.fmnist.proto.inference.InferParameter;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Triton's classification extension without a server: the top k, Triton's number format, the parameter's refusals. */
class ClassificationTest {

    @Test
    void eachRowGivesItsTopKHighestFirstWithIndexAndLabel() {
        float[][] probabilities = {
            {0.01f, 0.02f, 0.03f, 0.04f, 0.05f, 0.06f, 0.07f, 0.12f, 0.1f, 0.5f},
            {0.6f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.05f, 0.04f, 0.03f, 0.03f},
        };

        assertThat(Classification.topK(probabilities, 3)).containsExactly(
                "0.500000:9:Ankle boot", "0.120000:7:Sneaker", "0.100000:8:Bag",
                // equal values keep the lower index first
                "0.600000:0:T-shirt/top", "0.050000:1:Trouser", "0.050000:2:Pullover");
        assertThat(Classification.topK(probabilities, 1)).containsExactly("0.500000:9:Ankle boot",
                "0.600000:0:T-shirt/top");
        assertThat(Classification.topK(probabilities, 10)).hasSize(20).element(9).isEqualTo("0.010000:0:T-shirt/top");
    }

    @Test
    void valuesArePrintedAsStdToStringPrintsAFloat() {
        assertThat(Classification.value(1f)).isEqualTo("1.000000");
        assertThat(Classification.value(0f)).isEqualTo("0.000000");
        assertThat(Classification.value(0.1f)).isEqualTo("0.100000"); // 0.100000001490116...
        assertThat(Classification.value(0.9999999f)).isEqualTo("1.000000");
        assertThat(Classification.value(1.0e-7f)).isEqualTo("0.000000");
        assertThat(Classification.value(0.0078125f)).isEqualTo("0.007812"); // exactly half way: to even, as glibc
        assertThat(Classification.value(0.0234375f)).isEqualTo("0.023438");
        assertThat(Classification.value(-1.0e-9f)).isEqualTo("-0.000000");
        assertThat(Classification.value(Float.NaN)).isEqualTo("nan");
    }

    @Test
    void bytesTensorsRoundTripLengthPrefixed() {
        List<ByteString> elements = List.of(ByteString.copyFromUtf8("0.5:9:Ankle boot"), ByteString.EMPTY,
                ByteString.copyFromUtf8("T-shirt/top"));
        byte[] raw = Classification.serialize(elements);
        assertThat(raw).hasSize(3 * 4 + 16 + 11).startsWith(16, 0, 0, 0);
        assertThat(Classification.deserialize(ByteString.copyFrom(raw))).containsExactlyElementsOf(elements);
    }

    @Test
    void theCountIsAnIntegerFromOneToTheClassesElseRefusedNamingTheField() {
        assertThat(Classification.count(InferParameter.newBuilder().setInt64Param(1).build(), "f")).isEqualTo(1);
        assertThat(Classification.count(InferParameter.newBuilder().setInt64Param(10).build(), "f")).isEqualTo(10);
        String expected = "outputs[0].parameters.classification: expected an integer from 1 to 10 (the classes to "
                + "return), got ";
        assertThat(refusal(InferParameter.newBuilder().setInt64Param(0).build())).isEqualTo(expected + "0");
        assertThat(refusal(InferParameter.newBuilder().setInt64Param(11).build())).isEqualTo(expected + "11");
        assertThat(refusal(InferParameter.newBuilder().setInt64Param(-3).build())).isEqualTo(expected + "-3");
        assertThat(refusal(InferParameter.newBuilder().setDoubleParam(2.5).build())).isEqualTo(expected + "2.5");
        assertThat(refusal(InferParameter.newBuilder().setStringParam("3").build())).isEqualTo(expected + "\"3\"");
        assertThat(refusal(InferParameter.newBuilder().setBoolParam(true).build())).isEqualTo(expected + "true");
        assertThat(refusal(InferParameter.getDefaultInstance())).isEqualTo(expected + "no value");
    }

    private static String refusal(InferParameter parameter) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                () -> Classification.count(parameter, "outputs[0].parameters.classification"));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return e.getStatus().getDescription();
    }
}
