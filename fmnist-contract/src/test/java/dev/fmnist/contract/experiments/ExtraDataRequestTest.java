package dev.fmnist.contract.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.fmnist.contract.training.ExtraData;
import dev.fmnist.contract.training.HyperParameters;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request's {@code extraData}: read, written back the same, and every bad one refused naming its field. */
class ExtraDataRequestTest {

    private final RequestParser parser = new RequestParser(() -> "generated");

    @Test
    void aFolderIsReadIntoTheRecipeAndWrittenBackTheSame() {
        ExperimentRequest request = parse("{\"architecture\":\"mlp\",\"extraData\":{\"path\":\"/data/mine\"}}");

        assertThat(request.hyperParameters().extraData()).isEqualTo(new ExtraData("/data/mine"));
        assertThat(new String(RequestWriter.write(request), StandardCharsets.UTF_8))
                .contains("\"extraData\":{\"path\":\"/data/mine\"}");
        assertThat(parser.parse(RequestWriter.write(request))).isEqualTo(request);
        assertThat(parse("{\"architecture\":\"mlp\"}").hyperParameters().extraData()).as("absent: none").isNull();
        assertThat(new String(RequestWriter.write(parse("{\"architecture\":\"mlp\"}")), StandardCharsets.UTF_8))
                .doesNotContain("extraData");
    }

    @Test
    void aRecipeWithoutItIsWrittenAsBeforeInAManifest() throws Exception {
        // manifests carry the recipe: one without extra data keeps the JSON it had, so older readers see no change
        String plain = ContractJson.MAPPER.writeValueAsString(HyperParameters.defaults());
        assertThat(plain).doesNotContain("extraData");
        HyperParameters with = HyperParameters.builder().optExtraData(new ExtraData("/data/mine")).build();
        String written = ContractJson.MAPPER.writeValueAsString(with);
        assertThat(written).contains("\"extraData\":{\"path\":\"/data/mine\"}");
    }

    @Test
    void aSweepsChildrenTrainOnTheSameFolder() {
        ExperimentRequest sweep = parse("{\"architecture\":\"mlp\",\"extraData\":{\"path\":\"/data/mine\"},"
                + "\"sweep\":{\"parameter\":\"learningRate\",\"values\":[0.001,0.01]}}");

        assertThat(sweep.children()).hasSize(2).allSatisfy(child ->
                assertThat(child.hyperParameters().extraData()).isEqualTo(new ExtraData("/data/mine")));
    }

    @Test
    void aBadOneIsRefusedNamingTheField() {
        record Case(String extraData, String field, String rule) {}
        List<Case> cases = List.of(
                new Case("\"/data/mine\"", "extraData", "must be an object like"),
                new Case("{}", "extraData.path", "is required"),
                new Case("{\"topic\":\"fmnist.predictions\"}", "extraData.topic", "is not a known field; known: path"),
                new Case("{\"path\":5}", "extraData.path", "must be a string"),
                new Case("{\"path\":\"\"}", "extraData.path", "is required"),
                new Case("{\"path\":\"data/mine\"}", "extraData.path", "must be absolute"),
                new Case("{\"path\":\"/data/../etc\"}", "extraData.path", "must be normalised"),
                new Case("{\"path\":\"/data/./mine\"}", "extraData.path", "must be normalised"),
                new Case("{\"path\":\"/data\\u0000/mine\"}", "extraData.path", "must not hold control characters"),
                new Case("{\"path\":\"/" + "d".repeat(1100) + "\"}", "extraData.path", "at most 1024 characters"));
        for (Case c : cases) {
            RequestRejectedException e = catchThrowableOfType(RequestRejectedException.class,
                    () -> parse("{\"architecture\":\"mlp\",\"extraData\":" + c.extraData() + "}"));
            assertThat(e).as(c.toString()).isNotNull();
            assertThat(e.field()).as(c.toString()).isEqualTo(c.field());
            assertThat(e.rule()).as(c.toString()).contains(c.rule());
        }
    }

    private ExperimentRequest parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8));
    }
}
