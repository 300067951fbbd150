package dev.fmnist.trainer.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.StateTable;
import dev.fmnist.contract.networks.Architecture;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What the alerts and dashboards read: every end an experiment can have, at 0 before the first one. */
class TrainerMetricsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TrainerMetrics metrics = new TrainerMetrics();

    TrainerMetricsTest() {
        metrics.registry = registry;
        metrics.register();
    }

    private Counter experiments(String status, String architecture) {
        return registry.get(TrainerMetrics.EXPERIMENTS).tag("status", status).tag("architecture", architecture)
                .counter();
    }

    @Test
    void everyTerminalStatusOfEveryArchitectureExistsAtZeroBeforeAnyExperimentEnds() {
        long terminal = Arrays.stream(ExperimentEvent.Type.values()).filter(ExperimentEvent.Type::isTerminal).count();

        assertThat(terminal).isEqualTo(4);
        assertThat(registry.get(TrainerMetrics.EXPERIMENTS).counters())
                .hasSize((int) terminal * (Architecture.values().length + 1))
                .allSatisfy(c -> assertThat(c.count()).isZero());
        for (Architecture architecture : Architecture.values()) {
            assertThat(experiments("failed", architecture.id()).count()).isZero();
            assertThat(experiments("succeeded", architecture.id()).count()).isZero();
        }
        assertThat(experiments("rejected", TrainerMetrics.UNKNOWN_ARCHITECTURE).count()).isZero();
        assertThat(registry.find(TrainerMetrics.EXPERIMENTS).tag("status", "running").counters()).isEmpty();
    }

    @Test
    void anEndedExperimentCountsUnderTheSeriesThatExistedAtZero() {
        Counter before = experiments("failed", Architecture.BETTER.id());
        ExperimentEvent.Subject subject = new ExperimentEvent.Subject(null, Architecture.BETTER.id(), null, 3, null, null);

        metrics.experimentEnded(ExperimentEvent.Failed.of("exp-1", subject, "out of memory"));
        metrics.experimentEnded(ExperimentEvent.Rejected.of("exp-2", "network.architecture", "unknown"));

        assertThat(experiments("failed", Architecture.BETTER.id())).isSameAs(before);
        assertThat(before.count()).isEqualTo(1);
        assertThat(experiments("rejected", TrainerMetrics.UNKNOWN_ARCHITECTURE).count()).isEqualTo(1);
        assertThat(experiments("failed", Architecture.MLP.id()).count()).isZero();
        assertThat(registry.get(TrainerMetrics.EXPERIMENTS).counters())
                .hasSize(4 * (Architecture.values().length + 1));
    }

    @Test
    void everyReasonARefusedStateRecordCanHaveExistsAtZeroAndCountsUnderItsOwnLabel() {
        assertThat(registry.get(TrainerMetrics.STATE_RECORDS_REFUSED).counters())
                .hasSize(StateTable.Refusal.values().length).allSatisfy(c -> assertThat(c.count()).isZero());
        assertThat(registry.get(TrainerMetrics.PARKED_OVERFLOW).counter().count()).isZero();

        metrics.stateRecordRefused(StateTable.Refusal.FOREIGN_END);

        assertThat(registry.get(TrainerMetrics.STATE_RECORDS_REFUSED).tag("reason", "foreign-end").counter().count())
                .isEqualTo(1);
        assertThat(registry.get(TrainerMetrics.STATE_RECORDS_REFUSED).tag("reason", "unreadable").counter().count())
                .isZero();
    }
}
