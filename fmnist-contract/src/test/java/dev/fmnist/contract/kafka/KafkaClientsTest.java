package dev.fmnist.contract.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaClientsTest {

    @Test
    void aSendsTimeoutLeavesRoomForThreeRequestsOfAtMostThirtySeconds() {
        assertThat(KafkaClients.sendTimeouts(Duration.ofSeconds(60)))
                .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000)
                .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000L)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000);
        assertThat(KafkaClients.sendTimeouts(Duration.ofSeconds(10)))
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_333);
        assertThat(KafkaClients.sendTimeouts(Duration.ofMinutes(10)))
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    }

    @Test
    void aTimeoutTooShortForARequestOrTooLongForKafkaIsRefused() {
        assertThatThrownBy(() -> KafkaClients.sendTimeouts(Duration.ofMillis(2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got PT0.002S");
        assertThatThrownBy(() -> KafkaClients.sendTimeouts(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> KafkaClients.sendTimeouts(Duration.ofDays(30))).isInstanceOf(IllegalArgumentException.class);
    }
}
