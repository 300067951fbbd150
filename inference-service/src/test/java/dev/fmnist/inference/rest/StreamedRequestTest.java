package dev.fmnist.inference.rest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/**
 * The REST body reader's bounds, each at its edge: the values one request may carry, the nodes
 * besides the tensors' data, the nesting of {@code data}; and bodies that stop short, run on, or are
 * not a request at all. The body's byte size itself is bounded before this reader sees it, by the
 * HTTP server's {@code quarkus.http.limits.max-body-size}.
 */
class StreamedRequestTest {

    private static StreamedRequest.Read read(String json, long maxValues) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        return StreamedRequest.read(body, body.length, maxValues);
    }

    private static StatusRuntimeException refused(String json, long maxValues) {
        StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class, () -> read(json, maxValues));
        assertThat(e).as("refused: %s", json.length() > 200 ? json.substring(0, 200) + "..." : json).isNotNull();
        return e;
    }

    /** The INVALID_ARGUMENT message reading {@code json} gives. */
    private static String invalid(String json) {
        StatusRuntimeException e = refused(json, 1000);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        return e.getStatus().getDescription();
    }

    private static String data(int values) {
        return "{\"inputs\":[{\"name\":\"images\",\"data\":[" + String.join(",", Collections.nCopies(values, "1")) + "]}]}";
    }

    @Test
    void dataGoesToValuesInOrderAndSitsInTheTreeAsTrue() {
        StreamedRequest.Read read = read("{\"id\":\"x\",\"inputs\":[{\"name\":\"images\",\"shape\":[2,2],"
                + "\"data\":[[1,2.5],[-3,0.0]]}]}", 1000);

        assertThat(read.root().get("id").asText()).isEqualTo("x");
        assertThat(read.root().get("inputs").get(0).get("data").booleanValue()).isTrue();
        assertThat(read.root().get("inputs").get(0).get("shape").toString()).isEqualTo("[2,2]");
        assertThat(read.data()).hasSize(1);
        StreamedRequest.Values values = read.data().get(0);
        assertThat(values.count()).isEqualTo(4);
        assertThat(new double[] {values.value(0), values.value(1), values.value(2), values.value(3)})
                .containsExactly(1, 2.5, -3, 0);
        assertThat(new boolean[] {values.integral(0), values.integral(1), values.integral(2), values.integral(3)})
                .containsExactly(true, false, true, false);
        assertThat(values.text(0)).isEqualTo("1");
        assertThat(values.text(1)).isEqualTo("2.5");
    }

    @Test
    void eachInputKeepsItsOwnValuesByIndexEvenWhenAnInputIsNotAnObject() {
        StreamedRequest.Read read = read("{\"inputs\":[5,{\"name\":\"b\",\"data\":[7,8]},{\"name\":\"c\"}]}", 1000);

        assertThat(read.data()).hasSize(3);
        assertThat(read.data().get(0).count()).isZero();
        assertThat(read.data().get(1).count()).isEqualTo(2);
        assertThat(read.data().get(1).value(1)).isEqualTo(8);
        assertThat(read.data().get(2).count()).isZero();
        assertThat(read.root().get("inputs").get(0).asInt()).as("left for the request's rules to refuse").isEqualTo(5);
    }

    @Test
    void onlyTheTopLevelInputsHoldData() {
        StreamedRequest.Read read = read("{\"parameters\":{\"inputs\":[{\"data\":[1,2]}]},\"inputs\":[]}", 1000);
        assertThat(read.data()).isEmpty();
        assertThat(read.root().get("parameters").get("inputs").get(0).get("data").toString()).isEqualTo("[1,2]");
    }

    @Test
    void theValueLimitAdmitsExactlyItsCountAndRefusesOneMoreAsInvalid() {
        long max = 2500; // past the buffer's first growth (1024), not a power of two
        StreamedRequest.Values values = read(data(2500), max).data().get(0);
        assertThat(values.count()).isEqualTo(2500);
        assertThat(values.value(2499)).isEqualTo(1);

        StatusRuntimeException e = refused(data(2501), max);
        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(e.getStatus().getDescription()).isEqualTo("inputs[0].data: more than 2500 values in one request");
        assertThat(refused(data(3), 2).getStatus().getCode()).as("below the first buffer's size too")
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
    }

    @Test
    void tensorDataDoesNotCountAgainstTheNodeBudget() {
        int many = 2 * StreamedRequest.MAX_OTHER_NODES;
        assertThat(read(data(many), many).data().get(0).count()).isEqualTo(many);
    }

    @Test
    void theNodeBudgetAdmitsExactlyItsCountBesidesTheData() {
        // the request object and the outputs array count one node each, then one per element
        int fits = StreamedRequest.MAX_OTHER_NODES - 2;
        assertThat(read(outputs(fits), 1000).root().get("outputs").size()).isEqualTo(fits);
        assertThat(invalid(outputs(fits + 1))).isEqualTo("outputs: more than " + StreamedRequest.MAX_OTHER_NODES
                + " JSON values besides the tensors' data");

        StringBuilder wide = new StringBuilder("{\"parameters\":{\"p0\":0");
        for (int i = 1; i <= StreamedRequest.MAX_OTHER_NODES; i++) {
            wide.append(",\"p").append(i).append("\":0");
        }
        assertThat(invalid(wide + "}}")).startsWith("parameters.p").endsWith(": more than "
                + StreamedRequest.MAX_OTHER_NODES + " JSON values besides the tensors' data");
    }

    private static String outputs(int elements) {
        return "{\"outputs\":[" + String.join(",", Collections.nCopies(elements, "0")) + "]}";
    }

    @Test
    void dataNestsAsDeepAsTheDeepestShapeAndNoDeeper() {
        assertThat(read("{\"inputs\":[{\"data\":[[[[1,2]]]]}]}", 1000).data().get(0).count()).isEqualTo(2);
        assertThat(invalid("{\"inputs\":[{\"data\":[[[[[1]]]]]}]}"))
                .isEqualTo("inputs[0].data: nested deeper than the deepest accepted shape [N, 1, 28, 28]");
    }

    @Test
    void dataThatIsNotNumbersIsRefusedByElement() {
        assertThat(invalid("{\"inputs\":[{\"data\":7}]}")).isEqualTo("inputs[0].data: expected an array of values");
        assertThat(invalid("{\"inputs\":[{\"data\":[1,\"2\"]}]}"))
                .isEqualTo("inputs[0].data: element 1 is STRING, expected a number");
        assertThat(invalid("{\"inputs\":[{\"name\":\"a\",\"data\":[1]},{\"data\":[[1],[true]]}]}"))
                .isEqualTo("inputs[1].data: element 1 is BOOLEAN, expected a number");
        assertThat(invalid("{\"inputs\":[{\"data\":[null]}]}"))
                .isEqualTo("inputs[0].data: element 0 is NULL, expected a number");
        assertThat(invalid("{\"inputs\":[{\"data\":[{}]}]}"))
                .isEqualTo("inputs[0].data: element 0 is OBJECT, expected a number");
        assertThat(invalid("{\"inputs\":[{\"data\":[1,\"2\"],\"datatype\":\"FP32\"}]}"))
                .isEqualTo("inputs[0].data: element 1 is STRING, expected a number");
        // strings of a BYTES tensor (or booleans of BOOL) are left to the rules, which refuse the datatype by name
        assertThat(read("{\"inputs\":[{\"data\":[\"a\",\"b\"],\"datatype\":\"BYTES\"}]}", 1000).data().get(0).count())
                .isZero();
        assertThat(read("{\"inputs\":[{\"datatype\":\"BOOL\",\"data\":[[true],[{\"x\":1}]]}]}", 1000).data().get(0)
                .count()).isZero();
    }

    @Test
    void aBodyThatIsNotOneJsonObjectIsRefused() {
        assertThat(invalid("")).isEqualTo("body: expected a JSON object with \"inputs\"");
        assertThat(invalid("[1]")).isEqualTo("body: expected a JSON object with \"inputs\"");
        assertThat(invalid("\"inputs\"")).isEqualTo("body: expected a JSON object with \"inputs\"");
        assertThat(invalid("{\"inputs\":[]} {}")).isEqualTo("body: more after the JSON object");
        assertThat(invalid("{\"inputs\":[}")).startsWith("body: not valid JSON: ");
        assertThat(invalid("{\"inputs\":[],}")).startsWith("body: not valid JSON: ");
    }

    @Test
    void everyTruncationOfAValidBodyIsRefusedAsTheBody() {
        String whole = "{\"id\":\"r\",\"parameters\":{\"p\":1.5},\"inputs\":[{\"name\":\"images\",\"datatype\":\"FP32\","
                + "\"shape\":[1,2],\"data\":[[0.25,-1e-3]]}],\"outputs\":[{\"name\":\"probabilities\"}]}";
        byte[] body = whole.getBytes(StandardCharsets.UTF_8);
        assertThat(StreamedRequest.read(body, body.length, 1000).data().get(0).count()).isEqualTo(2);
        for (int length = 0; length < body.length; length++) {
            int cut = length;
            StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                    () -> StreamedRequest.read(body, cut, 1000));
            assertThat(e).as("cut after %d bytes: %s", cut, whole.substring(0, cut)).isNotNull();
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).as("cut after %d bytes", cut).startsWith("body: ");
        }
    }

    @Test
    void onlyTheFirstLengthBytesAreRead() {
        byte[] body = "{\"inputs\":[{\"data\":[1]}]}\u0000\u0001binary".getBytes(StandardCharsets.UTF_8);
        int json = body.length - 8;
        assertThat(StreamedRequest.read(body, json, 1000).data().get(0).count()).isEqualTo(1);
    }
}
