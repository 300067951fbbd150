package dev.fmnist.contract.networks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkSpecTest {

    @Test
    void theRegistryHasEachArchitectureAndCompareAtEachKernelSize() {
        List<NetworkSpec> registry = NetworkSpec.registry();
        assertThat(registry).extracting(NetworkSpec::architecture).containsAll(Arrays.asList(Architecture.values()));
        assertThat(registry).filteredOn(spec -> spec.architecture() == Architecture.COMPARE).extracting(NetworkSpec::k)
                .containsExactly(3, 4, 5, 6, 7, 8);
        assertThat(registry).doesNotHaveDuplicates();
    }

    /** The help texts' list names every served model: compare's by its first and last kernel size. */
    @Test
    void theServingNamesOfTheHelpTextsNameEveryRegistryNetwork() {
        List<String> listed = Arrays.stream(NetworkSpec.SERVING_NAMES.split(", | \\.\\.\\. ")).toList();
        for (NetworkSpec spec : NetworkSpec.registry()) {
            String name = spec.servingName();
            boolean between = spec.k() != null && spec.k() > NetworkSpec.MIN_KERNEL && spec.k() < NetworkSpec.MAX_KERNEL;
            assertThat(between || listed.contains(name)).as(name).isTrue();
        }
        assertThat(listed).allSatisfy(name -> assertThat(NetworkSpec.fromServingName(name).servingName()).isEqualTo(name));
    }
}
