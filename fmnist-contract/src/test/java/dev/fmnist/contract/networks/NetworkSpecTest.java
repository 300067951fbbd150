package dev.fmnist.contract.networks;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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

    /**
     * Texts outside Java that list the registry by hand (a proto comment, the docs, a javadoc): a new
     * network has to be added to each, and this says which one was forgotten.
     */
    @Test
    void theHandWrittenListsOfTheRegistryNameEveryArchitecture() throws IOException {
        Path root = Path.of(System.getProperty("fmnist.root", ".."));
        List<Path> lists = List.of(root.resolve("proto/src/main/proto/fmnist/v1/classifier.proto"),
                root.resolve("docs/using/classifying.md"), root.resolve("docs/operating/serving.md"),
                root.resolve("inference-service/src/main/java/dev/fmnist/inference/config/InferenceConfig.java"));
        for (Path file : lists) {
            String text = Files.readString(file);
            for (Architecture architecture : Architecture.values()) {
                String name = architecture.takesKernelSize() ? architecture.id() + "-k3" : architecture.id();
                String named = file.toString().endsWith(".proto") ? architecture.id() : name;
                assertThat(text).as(file + " lists " + named).containsPattern("(?<![\\w-])" + named.replace("-", "\\-")
                        + "(?![\\w-])");
            }
        }
    }
}
