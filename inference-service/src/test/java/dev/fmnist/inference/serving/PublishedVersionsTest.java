package dev.fmnist.inference.serving;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The index of one model's artefacts: in the topic's order whoever adds them, each offset once. */
class PublishedVersionsTest {

    private static PublishedVersions.Entry at(long offset, String version) {
        return new PublishedVersions.Entry(version, version + "0".repeat(52), "experiment-" + offset, 0.9, "", offset);
    }

    @Test
    void entriesStayInOffsetOrderAndAnOffsetIsRecordedOnce() {
        PublishedVersions versions = new PublishedVersions();
        versions.add(at(2, "cccccccccccc"));
        versions.add(at(0, "aaaaaaaaaaaa"));
        versions.add(at(5, "dddddddddddd"));
        versions.add(at(1, "bbbbbbbbbbbb"));
        versions.add(at(2, "eeeeeeeeeeee")); // the same record seen again (indexed, then followed)

        assertThat(versions.newestFirst()).extracting(PublishedVersions.Entry::version)
                .containsExactly("dddddddddddd", "cccccccccccc", "bbbbbbbbbbbb", "aaaaaaaaaaaa");
        assertThat(versions.size()).isEqualTo(4);
        assertThat(versions.find("experiment-1")).map(PublishedVersions.Entry::offset).contains(1L);
        assertThat(versions.newest()).map(PublishedVersions.Entry::offset).contains(5L);
    }
}
