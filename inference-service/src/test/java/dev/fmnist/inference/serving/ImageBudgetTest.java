package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageBudgetTest {

    @Test
    void imagesAreAdmittedUpToTheCapacityAndRoomComesBackAsTheyLeave() {
        ImageBudget budget = new ImageBudget(2500);
        assertThat(budget.tryAcquire(1000)).isTrue();
        assertThat(budget.tryAcquire(1000)).isTrue();
        assertThat(budget.tryAcquire(1000)).as("3000 > 2500").isFalse();
        assertThat(budget.waiting()).as("a refusal takes nothing").isEqualTo(2000);
        assertThat(budget.tryAcquire(500)).isTrue();
        budget.release(1000);
        assertThat(budget.tryAcquire(1000)).isTrue();
        assertThat(budget.waiting()).isEqualTo(2500);
    }

    @Test
    void oneRequestLargerThanTheCapacityIsAdmittedWhenNothingWaits() {
        ImageBudget budget = new ImageBudget(100);
        assertThat(budget.tryAcquire(1024)).isTrue();
        assertThat(budget.tryAcquire(1)).isFalse();
        budget.release(1024);
        assertThat(budget.tryAcquire(1)).isTrue();
        assertThatThrownBy(() -> new ImageBudget(0)).hasMessageContaining("max-queued-images");
    }
}
