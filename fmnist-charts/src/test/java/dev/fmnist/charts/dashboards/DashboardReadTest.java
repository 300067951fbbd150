package dev.fmnist.charts.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dashboard files as users write them: collapsed rows, and the grids and files that are refused. */
class DashboardReadTest {

    @TempDir
    Path dir;

    private Path file(String json) throws IOException {
        return Files.writeString(dir.resolve("mine.json"), json);
    }

    private static String panel(String title, String gridPos) {
        return "{\"type\": \"timeseries\", \"title\": \"" + title + "\", \"gridPos\": " + gridPos
                + ", \"targets\": [{\"refId\": \"A\", \"expr\": \"up\"}]}";
    }

    @Test
    void aCollapsedRowsPanelsAreRead() throws IOException {
        Dashboard d = Dashboard.read(file("{\"title\": \"Mine\", \"panels\": ["
                + panel("Top", "{\"x\": 0, \"y\": 0, \"w\": 24, \"h\": 4}") + ","
                + "{\"type\": \"row\", \"title\": \"More\", \"collapsed\": true, \"gridPos\": {\"x\": 0, \"y\": 4, \"w\": 24, "
                + "\"h\": 1}, \"panels\": [" + panel("Inside", "{\"x\": 0, \"y\": 5, \"w\": 12, \"h\": 6}") + "]}]}"));

        assertThat(d.name()).isEqualTo("mine");
        assertThat(d.panels()).extracting(Dashboard.Panel::title).containsExactly("Top", "More", "Inside");
        assertThat(d.panels().get(2).targets()).extracting(Dashboard.Target::expr).containsExactly("up");
        assertThat(d.gridHeight()).isEqualTo(11);
    }

    @Test
    void aPanelOutsideTheGridIsRefusedNamingTheFileAndThePanel() throws IOException {
        for (String grid : new String[] {"{\"x\": -1, \"y\": 0, \"w\": 4, \"h\": 4}", "{\"x\": 0, \"y\": 0, \"w\": 0, \"h\": 4}",
            "{\"x\": 20, \"y\": 0, \"w\": 5, \"h\": 4}", "{\"x\": 0, \"y\": -3, \"w\": 4, \"h\": 4}",
            "{\"x\": 0, \"y\": 0, \"w\": 4, \"h\": 0}", "{\"x\": 0, \"y\": 190, \"w\": 4, \"h\": 11}",
            "{\"x\": 0, \"y\": 2147483647, \"w\": 4, \"h\": 2147483647}", "{\"x\": 0, \"y\": 0, \"w\": 4, \"h\": 100000000}"}) {
            Path f = file("{\"panels\": [" + panel("Wide", grid) + "]}");
            assertThatThrownBy(() -> Dashboard.read(f)).as(grid).isInstanceOf(IOException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining("panel 'Wide'")
                    .hasMessageContaining("outside the grid");
        }
        Path noHeight = file("{\"panels\": [" + panel("Flat", "{\"x\": 0, \"y\": 0, \"w\": 4}") + "]}");
        assertThatThrownBy(() -> Dashboard.read(noHeight)).hasMessageContaining("panel 'Flat': gridPos.h must be an integer");
        Path edge = file("{\"panels\": [" + panel("Edge", "{\"x\": 20, \"y\": 190, \"w\": 4, \"h\": 10}") + "]}");
        assertThat(Dashboard.read(edge).gridHeight()).isEqualTo(Dashboard.MAX_ROWS);
    }

    @Test
    void aFileThatIsNotADashboardIsRefusedNamingIt() throws IOException {
        Path half = file("{\"panels\": [");
        assertThatThrownBy(() -> Dashboard.read(half)).isInstanceOf(IOException.class).hasMessageContaining(half + ": not JSON");
        Path none = file("{\"title\": \"x\"}");
        assertThatThrownBy(() -> Dashboard.read(none)).hasMessageContaining(none + ": not a Grafana dashboard");
        Path empty = file("");
        assertThatThrownBy(() -> Dashboard.read(empty)).hasMessageContaining(empty.toString());
    }
}
