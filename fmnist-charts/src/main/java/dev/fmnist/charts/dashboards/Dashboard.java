package dev.fmnist.charts.dashboards;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A Grafana dashboard as read from its JSON model (deploy/grafana/dashboards/*.json): what is needed to
 * query its panels and lay them out, nothing of Grafana's styling.
 *
 * @param name  the file name without {@code .json}: how the CLI and the pictures name it
 * @param title the dashboard's title
 * @param panels its panels in file order
 */
public record Dashboard(String name, String title, List<Panel> panels) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = ".json";
    /** Grafana's grid is 24 columns wide. */
    public static final int COLUMNS = 24;
    /** The grid rows a dashboard may reach: far more than any real one, few enough for a picture's memory. */
    public static final int MAX_ROWS = 200;

    public Dashboard {
        panels = List.copyOf(panels);
    }

    /** One panel: its type ("timeseries", "stat", ...), title, place on the grid, unit and queries. */
    public record Panel(String type, String title, GridPos gridPos, String unit, List<Target> targets) {
        public Panel {
            targets = List.copyOf(targets);
        }
    }

    /** Where a panel sits on Grafana's 24-column grid, in grid units (one unit 30 px high). */
    public record GridPos(int x, int y, int w, int h) {
        public int bottom() {
            return y + h;
        }
    }

    /** One query of a panel: its PromQL expression (with dashboard variables) and legend format. */
    public record Target(String refId, String expr, String legendFormat) {}

    /**
     * Reads one dashboard file; a file that is not a dashboard, or a panel outside the grid, is refused
     * naming the file (and the panel) and what is wrong.
     */
    public static Dashboard read(Path file) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not JSON: " + e.getOriginalMessage(), e);
        }
        String fileName = file.getFileName().toString();
        JsonNode panelNodes = root == null ? null : root.path("panels");
        if (panelNodes == null || !panelNodes.isArray()) {
            throw new IOException(file + ": not a Grafana dashboard (no \"panels\" array)");
        }
        List<Panel> panels = new ArrayList<>();
        for (JsonNode p : panelNodes) {
            panels.add(panel(file, p));
            // a collapsed row keeps its panels inside it rather than in the dashboard's list
            if ("row".equals(p.path("type").asText()) && p.path("panels").isArray()) {
                for (JsonNode nested : p.path("panels")) {
                    panels.add(panel(file, nested));
                }
            }
        }
        String name = fileName.endsWith(SUFFIX) ? fileName.substring(0, fileName.length() - SUFFIX.length()) : fileName;
        return new Dashboard(name, root.path("title").asText(name), panels);
    }

    private static Panel panel(Path file, JsonNode p) throws IOException {
        String title = p.path("title").asText("");
        JsonNode grid = p.path("gridPos");
        for (String field : List.of("x", "y", "w", "h")) {
            boolean optional = field.equals("x") || field.equals("y"); // Grafana's 0 where left out
            if (!grid.path(field).isInt() && !(optional && !grid.has(field))) {
                throw new IOException(file + ": panel '" + title + "': gridPos." + field + " must be an integer, was "
                        + (grid.has(field) ? grid.get(field) : "missing"));
            }
        }
        GridPos pos = new GridPos(grid.path("x").asInt(0), grid.path("y").asInt(0), grid.get("w").asInt(),
                grid.get("h").asInt());
        // longs: a y and an h near Integer.MAX_VALUE must not wrap round to a small bottom edge
        if (pos.x() < 0 || pos.w() < 1 || (long) pos.x() + pos.w() > COLUMNS || pos.y() < 0 || pos.h() < 1
                || (long) pos.y() + pos.h() > MAX_ROWS) {
            throw new IOException(file + ": panel '" + title + "': gridPos " + grid + " is outside the grid (0 <= x, "
                    + "1 <= w, x + w <= " + COLUMNS + ", 0 <= y, 1 <= h, y + h <= " + MAX_ROWS + ")");
        }
        List<Target> targets = new ArrayList<>();
        for (JsonNode t : p.path("targets")) {
            if (t.hasNonNull("expr")) {
                targets.add(new Target(t.path("refId").asText(""), t.get("expr").asText(),
                        t.path("legendFormat").asText("")));
            }
        }
        String unit = p.path("fieldConfig").path("defaults").path("unit").asText("");
        return new Panel(p.path("type").asText(""), title, pos, unit, targets);
    }

    /** Every {@code *.json} dashboard of a folder, sorted by name. */
    public static List<Dashboard> readAll(Path dir) throws IOException {
        List<Dashboard> dashboards = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                dashboards.add(read(file));
            }
        }
        return dashboards;
    }

    /** The grid rows the dashboard fills: the lowest panel's bottom edge. */
    public int gridHeight() {
        return panels.stream().mapToInt(p -> p.gridPos().bottom()).max().orElse(0);
    }
}
