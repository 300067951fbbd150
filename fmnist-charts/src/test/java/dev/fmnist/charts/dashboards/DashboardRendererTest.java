package dev.fmnist.charts.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.charts.dashboards.Dashboard.GridPos;
import dev.fmnist.charts.dashboards.Dashboard.Panel;
import dev.fmnist.charts.dashboards.Dashboard.Target;
import dev.fmnist.charts.dashboards.DashboardRenderer.Box;
import dev.fmnist.charts.dashboards.DashboardRenderer.Outcome;
import dev.fmnist.charts.dashboards.DashboardRenderer.PanelResult;
import dev.fmnist.charts.dashboards.DashboardRenderer.Rendering;
import dev.fmnist.charts.dashboards.MetricSource.Series;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The real dashboards of deploy/ drawn from canned series: the layout, the lines, the values, "No data". */
class DashboardRendererTest {

    static {
        System.setProperty("java.awt.headless", "true"); // as bin/fmnist runs the CLI: no display needed
    }

    private static final Path DASHBOARDS = Path.of(System.getProperty("fmnist.root", ".."), "deploy/grafana/dashboards");
    private static final Instant END = Instant.parse("2026-12-06T08:30:00Z");
    private static final Instant START = END.minus(Duration.ofMinutes(30));

    /** Two series for the expressions {@code answers} picks, nothing for the others; remembers every query. */
    private static final class CannedSource implements MetricSource {
        final Predicate<String> answers;
        final List<String> queries = new ArrayList<>();

        CannedSource(Predicate<String> answers) {
            this.answers = answers;
        }

        @Override
        public List<Series> range(String expr, Instant start, Instant end, Duration step) {
            queries.add(expr);
            if (!answers.test(expr)) {
                return List.of();
            }
            int n = (int) (Duration.between(start, end).toSeconds() / step.toSeconds()) + 1;
            long[] t = new long[n];
            double[] a = new double[n];
            double[] b = new double[n];
            for (int i = 0; i < n; i++) {
                t[i] = start.plus(step.multipliedBy(i)).toEpochMilli();
                a[i] = 0.5 + 0.4 * Math.sin(i / 10.0);
                b[i] = 0.2 + 0.1 * Math.cos(i / 7.0);
            }
            return List.of(new Series(Map.of("experiment", "exp-a", "instance", "h:8080", "model", "m1", "status", "COMPLETED"), t, a),
                    new Series(Map.of("experiment", "exp-b", "instance", "h:8080", "model", "m2", "status", "FAILED"), t, b));
        }

        @Override
        public List<Series> instant(String expr, Instant at) {
            throw new AssertionError("stat panels are range queries too, as Grafana's: " + expr);
        }
    }

    @Test
    void theTrainingDashboardIsLaidOutOnGrafanasGridAndDrawnFromItsQueries() throws IOException {
        Dashboard training = Dashboard.read(DASHBOARDS.resolve("training.json"));
        CannedSource source = new CannedSource(expr -> expr.contains("fmnist_training_last")
                || expr.contains("fmnist_experiments_total"));
        DashboardRenderer renderer = DashboardRenderer.builder(START, END).optZone(java.time.ZoneOffset.UTC).build();

        Rendering rendering = renderer.render(training, source);

        BufferedImage png = ImageIO.read(new ByteArrayInputStream(rendering.png()));
        int lowestBottom = 31 + 8; // the last row of training.json: y 31, h 8
        assertThat(png.getWidth()).isEqualTo(2 * DashboardRenderer.PAD + 24 * DashboardRenderer.COLUMN_WIDTH - DashboardRenderer.GAP);
        assertThat(png.getHeight()).isEqualTo(DashboardRenderer.HEADER + lowestBottom * (DashboardRenderer.ROW_HEIGHT
                + DashboardRenderer.GAP) - DashboardRenderer.GAP + DashboardRenderer.PAD);
        assertThat(rendering.panels()).hasSize(training.panels().size());

        PanelResult loss = panel(rendering, "Loss (live, per experiment)");
        assertThat(loss.outcome()).isEqualTo(Outcome.DRAWN);
        assertThat(loss.names()).containsExactly("exp-a", "exp-b");
        assertThat(loss.box()).isEqualTo(new Box(DashboardRenderer.PAD, DashboardRenderer.HEADER + 6 * 38, 12 * 64 - 8, 9 * 38 - 8));
        PanelResult accuracy = panel(rendering, "Accuracy (live, per experiment)");
        assertThat(accuracy.series()).as("two targets of two series each").isEqualTo(4);
        assertThat(accuracy.names()).containsExactly("test exp-a", "test exp-b", "train exp-a", "train exp-b");
        PanelResult ended = panel(rendering, "Experiments ended, by status");
        assertThat(ended.outcome()).isEqualTo(Outcome.DRAWN);
        assertThat(ended.names()).containsExactly("COMPLETED", "FAILED");
        PanelResult memory = panel(rendering, "Resident memory (native included)");
        assertThat(memory.outcome()).isEqualTo(Outcome.NO_DATA);
        assertThat(panel(rendering, "Queue depth").outcome()).isEqualTo(Outcome.NO_DATA);

        // the lines are there, in the palette's first colour, and not in a panel without data
        assertThat(count(png, loss.box(), DashboardRenderer.PALETTE[0].getRGB())).isGreaterThan(100);
        assertThat(count(png, memory.box(), DashboardRenderer.PALETTE[0].getRGB())).isZero();

        // every query went out with Grafana's variables replaced: 30 min / 200 points -> 9 s steps, 20 s windows
        assertThat(renderer.step()).isEqualTo(Duration.ofSeconds(9));
        assertThat(source.queries).isNotEmpty().noneMatch(q -> q.contains("$"));
        assertThat(source.queries).anyMatch(q -> q.contains("experiment=~\".*\""));
    }

    @Test
    void everyDashboardIsDrawnWithNoDataAtAll() throws IOException {
        for (Dashboard dashboard : Dashboard.readAll(DASHBOARDS)) {
            Rendering rendering = DashboardRenderer.builder(START, END).build().render(dashboard, new CannedSource(e -> false));
            assertThat(rendering.panels()).as(dashboard.name()).isNotEmpty()
                    // a row is a section header: it has no query, so it is never drawn as data
                    .allMatch(p -> p.type().equals("row") ? p.outcome() == Outcome.NOT_DRAWN
                            : p.outcome() == Outcome.NO_DATA && p.series() == 0);
            assertThat(rendering.panels()).as(dashboard.name() + ": every panel inside the picture")
                    .allMatch(p -> p.box().x() + p.box().width() <= rendering.width()
                            && p.box().y() + p.box().height() <= rendering.height());
        }
        assertThat(Dashboard.readAll(DASHBOARDS)).extracting(Dashboard::name)
                .containsExactly("serving", "training", "triton-compat");
    }

    @Test
    void otherPanelTypesAreTitledBoxesAndSeriesOfNaNAreNoData() {
        Dashboard dashboard = new Dashboard("test", "Test", List.of(
                new Panel("table", "A table", new GridPos(0, 0, 12, 6), "", List.of(new Target("A", "up", ""))),
                new Panel("timeseries", "Only NaN", new GridPos(12, 0, 12, 6), "s",
                        List.of(new Target("A", "histogram_quantile(0.5, x)", "")))));
        MetricSource nan = new MetricSource() {
            @Override
            public List<Series> range(String expr, Instant start, Instant end, Duration step) {
                return List.of(new Series(Map.of(), new long[] {start.toEpochMilli(), end.toEpochMilli()},
                        new double[] {Double.NaN, Double.NaN}));
            }

            @Override
            public List<Series> instant(String expr, Instant at) {
                throw new AssertionError("no stat panel here");
            }
        };

        Rendering rendering = DashboardRenderer.builder(START, END).build().render(dashboard, nan);

        assertThat(rendering.panels()).extracting(PanelResult::outcome).containsExactly(Outcome.NOT_DRAWN, Outcome.NO_DATA);
        assertThat(rendering.height()).isEqualTo(DashboardRenderer.HEADER + 6 * 38 - 8 + DashboardRenderer.PAD);
    }

    @Test
    void aStatIsTheLastFinitePointOfTheWindowAndAnUnfilledVariableIsNotDrawn() {
        Dashboard dashboard = new Dashboard("test", "Test", List.of(
                new Panel("stat", "Last", new GridPos(0, 0, 12, 4), "", List.of(new Target("A", "x", "{{job}}"))),
                new Panel("stat", "Per range", new GridPos(12, 0, 12, 4), "",
                        List.of(new Target("A", "increase(x[$__range])", "")))));
        List<String> queries = new ArrayList<>();
        MetricSource source = new MetricSource() {
            @Override
            public List<Series> range(String expr, Instant start, Instant end, Duration step) {
                queries.add(expr);
                return List.of(new Series(Map.of("job", "a"), new long[] {1, 2, 3}, new double[] {1, 2, Double.NaN}),
                        new Series(Map.of("job", "b"), new long[] {1, 2}, new double[] {Double.NaN, Double.NaN}));
            }

            @Override
            public List<Series> instant(String expr, Instant at) {
                throw new AssertionError("a range query, not an instant one");
            }
        };

        Rendering rendering = DashboardRenderer.builder(START, END).build().render(dashboard, source);

        PanelResult last = panel(rendering, "Last");
        assertThat(last.outcome()).isEqualTo(Outcome.DRAWN);
        assertThat(last.names()).as("b has no finite point").containsExactly("a");
        assertThat(DashboardRenderer.lastFinite(new Series(Map.of(), new long[] {1, 2, 3},
                new double[] {1, 2, Double.NaN}))).isEqualTo(2);
        assertThat(DashboardRenderer.lastFinite(new Series(Map.of(), new long[] {1}, new double[] {Double.NaN}))).isNaN();
        PanelResult range = panel(rendering, "Per range");
        assertThat(range.outcome()).isEqualTo(Outcome.NOT_DRAWN);
        assertThat(range.reason()).isEqualTo("its queries use $__range, which this renderer does not fill in");
        assertThat(queries).containsExactly("x");
    }

    @Test
    void stepsAreAboutTwoHundredPointsAndTicksNiceNumbers() {
        assertThat(DashboardRenderer.step(START, END, 200)).isEqualTo(Duration.ofSeconds(9));
        assertThat(DashboardRenderer.step(END.minusSeconds(60), END, 200)).isEqualTo(Duration.ofSeconds(1));
        assertThat(DashboardRenderer.step(END.minus(Duration.ofHours(6)), END, 200)).isEqualTo(Duration.ofSeconds(108));
        assertThat(DashboardRenderer.niceStep(0.037, 1)).isEqualTo(0.05);
        assertThat(DashboardRenderer.niceStep(0.21, 0.01)).isCloseTo(0.25, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(DashboardRenderer.niceStep(70e6, 1024 * 1024)).isEqualTo(100 * 1024 * 1024);
    }

    private static PanelResult panel(Rendering rendering, String title) {
        return rendering.panels().stream().filter(p -> p.title().equals(title)).findFirst().orElseThrow();
    }

    private static int count(BufferedImage image, Box box, int rgb) {
        int n = 0;
        for (int y = box.y(); y < box.y() + box.height(); y++) {
            for (int x = box.x(); x < box.x() + box.width(); x++) {
                n += (image.getRGB(x, y) & 0xFFFFFF) == (rgb & 0xFFFFFF) ? 1 : 0;
            }
        }
        return n;
    }
}
