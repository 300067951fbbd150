package dev.fmnist.contract.experiments;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ControlCommandTest {

    private static void refused(String json, String message) {
        assertThatThrownBy(() -> ControlCommand.parse(json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void anythingButACancelWithAnIdIsRefusedNamingTheField() {
        refused("not json", "not valid JSON");
        refused("[1]", "expected {\"type\":\"cancel\"");
        refused("{\"type\":\"pause\",\"experimentId\":\"a\"}", "type: must be \"cancel\"");
        refused("{\"type\":\"cancel\"}", "experimentId: required");
        refused("{\"type\":\"cancel\",\"experimentId\":7}", "experimentId: required");
        refused("{\"type\":\"cancel\",\"experimentId\":\" \"}", "experimentId: required");
    }
}
