package dev.fmnist.charts.dashboards;

import dev.fmnist.charts.dashboards.Dashboard.GridPos;
import dev.fmnist.charts.dashboards.Dashboard.Panel;
import dev.fmnist.charts.dashboards.Dashboard.Target;
import dev.fmnist.charts.dashboards.MetricSource.Series;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.geom.RoundRectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TimeZone;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.DateTickUnit;
import org.jfree.chart.axis.DateTickUnitType;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.HorizontalAlignment;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.XYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A picture of a Grafana dashboard without Grafana: its panels laid out on Grafana's grid by their
 * gridPos, each queried from a {@link MetricSource} over one time window. {@code timeseries} panels are
 * line charts (one line per returned series, named by the target's legendFormat), {@code stat} panels
 * the last finite value of each series over the window (Grafana's "lastNotNull"); other panel types, and
 * panels whose queries use a variable this renderer does not fill in, are drawn as titled boxes.
 * Dark, as Grafana's default theme. Drawing needs no display: the CLI runs with
 * {@code -Djava.awt.headless=true}.
 */
public final class DashboardRenderer {

    /** Grafana's grid: 24 columns; a row unit is 30 px high with 8 px between panels. */
    public static final int COLUMNS = 24;
    public static final int COLUMN_WIDTH = 64;
    public static final int ROW_HEIGHT = 30;
    public static final int GAP = 8;
    /** Around the grid, and above it for the dashboard's title and time range. */
    public static final int PAD = 8;
    public static final int HEADER = 40;
    /** About this many points per series, as Grafana's step for a panel a screen wide. */
    public static final int POINTS = 200;

    private static final int TITLE_BAR = 30;
    private static final Color BACKGROUND = new Color(0x111217);
    private static final Color PANEL = new Color(0x181B1F);
    private static final Color BORDER = new Color(0x2C3235);
    private static final Color GRID = new Color(0x2C3235);
    private static final Color TEXT = new Color(0xCCCCDC);
    private static final Color TEXT_DIM = new Color(0x8E8E9A);
    private static final Color STAT_VALUE = new Color(0x73BF69);
    /** Grafana's classic palette, in its order. */
    static final Color[] PALETTE = {new Color(0x73BF69), new Color(0xF2CC0C), new Color(0x8AB8FF),
        new Color(0xFF780A), new Color(0xF2495C), new Color(0x5794F2), new Color(0xB877D9), new Color(0x705DA0),
        new Color(0x37872D), new Color(0xFADE2A), new Color(0x447EBC), new Color(0xC15C17), new Color(0x890F02),
        new Color(0x0A437C), new Color(0x6D1F62), new Color(0x584477)};
    private static final String FONT = Font.SANS_SERIF;
    private static final float LINE_WIDTH = 1.5f;
    private static final int LEGEND_ROW = 18;
    /** Room between ticks, as Grafana's axes leave it. */
    private static final int VALUE_TICK_PX = 40;
    private static final int TIME_TICK_PX = 90;

    private final Instant start;
    private final Instant end;
    private final Duration step;
    private final DashboardVariables variables;
    private final ZoneId zone;

    private DashboardRenderer(Builder b) {
        this.start = b.start;
        this.end = b.end;
        this.step = step(b.start, b.end, b.points);
        this.variables = new DashboardVariables(DashboardVariables.rateInterval(b.scrapeInterval, step), b.experiment);
        this.zone = b.zone;
    }

    /** A renderer for the window from {@code start} to {@code end}. */
    public static Builder builder(Instant start, Instant end) {
        return new Builder(start, end);
    }

    /** The options of a rendering, Grafana's defaults where it has one. */
    public static final class Builder {
        private final Instant start;
        private final Instant end;
        private Duration scrapeInterval = DashboardVariables.defaultScrapeInterval();
        private String experiment = DashboardVariables.ALL;
        private ZoneId zone = ZoneId.systemDefault();
        private int points = POINTS;

        private Builder(Instant start, Instant end) {
            if (!start.isBefore(end)) {
                throw new IllegalArgumentException("window: start " + start + " is not before end " + end);
            }
            this.start = start;
            this.end = end;
        }

        /** Prometheus's scrape interval, for {@code $__rate_interval} ({@link DashboardVariables#DEFAULT_SCRAPE_INTERVAL}). */
        public Builder optScrapeInterval(Duration scrapeInterval) {
            if (scrapeInterval.isNegative() || scrapeInterval.isZero()) {
                throw new IllegalArgumentException("scrapeInterval: must be positive, was " + scrapeInterval);
            }
            this.scrapeInterval = scrapeInterval;
            return this;
        }

        /** {@code $experiment}: a regular expression; all experiments by default. */
        public Builder optExperiment(String experiment) {
            this.experiment = experiment;
            return this;
        }

        /** The time zone of the time axes (Grafana's "browser": this machine's). */
        public Builder optZone(ZoneId zone) {
            this.zone = zone;
            return this;
        }

        public Builder optPoints(int points) {
            if (points < 2) {
                throw new IllegalArgumentException("points: at least 2, was " + points);
            }
            this.points = points;
            return this;
        }

        public DashboardRenderer build() {
            return new DashboardRenderer(this);
        }
    }

    /** The range queries' step: the window over {@code points}, in whole seconds, at least one. */
    public static Duration step(Instant start, Instant end, int points) {
        long millis = Duration.between(start, end).toMillis();
        return Duration.ofSeconds(Math.max(1, (millis + points * 1000L - 1) / (points * 1000L)));
    }

    public Duration step() {
        return step;
    }

    public DashboardVariables variables() {
        return variables;
    }

    /** What one panel became in the picture. */
    public enum Outcome {
        /** Drawn from data: lines or values. */
        DRAWN,
        /** Its queries returned nothing to draw: the panel says "No data". */
        NO_DATA,
        /** A panel type this renderer does not draw, or a query it cannot fill in: a titled box that says why. */
        NOT_DRAWN
    }

    /** A rectangle of the picture, in pixels. */
    public record Box(int x, int y, int width, int height) {}

    /**
     * One panel of the picture.
     *
     * @param series the series drawn: lines with at least one finite point, or the stat's values
     * @param names  their names, as in the legend or above the stat's values
     * @param reason why a panel was not drawn; empty for the others
     */
    public record PanelResult(String title, String type, Outcome outcome, int series, List<String> names, Box box,
            String reason) {
        public PanelResult(String title, String type, Outcome outcome, int series, List<String> names, Box box) {
            this(title, type, outcome, series, names, box, "");
        }
    }

    /** The picture and what was drawn in it. */
    public record Rendering(String dashboard, byte[] png, int width, int height, List<PanelResult> panels) {}

    /** The picture's width: the whole grid. */
    public static int width() {
        return 2 * PAD + COLUMNS * COLUMN_WIDTH - GAP;
    }

    /** The picture's height: the header and the grid down to the lowest panel. */
    public static int height(Dashboard dashboard) {
        return HEADER + Math.max(1, dashboard.gridHeight()) * (ROW_HEIGHT + GAP) - GAP + PAD;
    }

    /** Where a panel at {@code pos} is drawn. */
    public static Box box(GridPos pos) {
        return new Box(PAD + pos.x() * COLUMN_WIDTH, HEADER + pos.y() * (ROW_HEIGHT + GAP),
                pos.w() * COLUMN_WIDTH - GAP, pos.h() * (ROW_HEIGHT + GAP) - GAP);
    }

    /** Queries every panel of {@code dashboard} from {@code source} and draws the picture. */
    public Rendering render(Dashboard dashboard, MetricSource source) {
        int width = width();
        int height = height(dashboard);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        List<PanelResult> results = new ArrayList<>();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(BACKGROUND);
            g.fillRect(0, 0, width, height);
            header(g, dashboard, width);
            for (Panel panel : dashboard.panels()) {
                results.add(panel(g, panel, source));
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the PNG of " + dashboard.name(), e);
        }
        return new Rendering(dashboard.name(), png.toByteArray(), width, height, results);
    }

    private void header(Graphics2D g, Dashboard dashboard, int width) {
        g.setFont(new Font(FONT, Font.BOLD, 18));
        g.setColor(TEXT);
        g.drawString(dashboard.title(), PAD + 4, 27);
        DateTimeFormatter day = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(zone);
        DateTimeFormatter time = DateTimeFormatter.ofPattern("HH:mm").withZone(zone);
        boolean sameDay = start.atZone(zone).toLocalDate().equals(end.atZone(zone).toLocalDate());
        String window = day.format(start) + " to " + (sameDay ? time : day).format(end) + " " + zone.getId()
                + "   step " + DashboardVariables.promDuration(step) + ", $__rate_interval "
                + DashboardVariables.promDuration(variables.rateInterval());
        g.setFont(new Font(FONT, Font.PLAIN, 13));
        g.setColor(TEXT_DIM);
        g.drawString(window, width - PAD - 4 - g.getFontMetrics().stringWidth(window), 27);
    }

    private PanelResult panel(Graphics2D g, Panel panel, MetricSource source) {
        Box box = box(panel.gridPos());
        Shape frame = new RoundRectangle2D.Double(box.x(), box.y(), box.width() - 1, box.height() - 1, 6, 6);
        g.setColor(PANEL);
        g.fill(frame);
        g.setColor(BORDER);
        g.setStroke(new BasicStroke(1));
        g.draw(frame);
        g.setFont(new Font(FONT, Font.BOLD, 14));
        g.setColor(TEXT);
        g.drawString(fit(g.getFontMetrics(), panel.title(), box.width() - 16), box.x() + 8, box.y() + 20);
        Box body = new Box(box.x() + 6, box.y() + TITLE_BAR, box.width() - 12, box.height() - TITLE_BAR - 6);
        List<String> unknown = panel.targets().stream().flatMap(t -> DashboardVariables.unknown(t.expr()).stream())
                .distinct().toList();
        if (!unknown.isEmpty() && List.of("timeseries", "stat").contains(panel.type())) {
            String reason = "its queries use " + String.join(", ", unknown) + ", which this renderer does not fill in";
            centred(g, body, "(not drawn: " + String.join(", ", unknown) + ")", TEXT_DIM, 14);
            return new PanelResult(panel.title(), panel.type(), Outcome.NOT_DRAWN, 0, List.of(), box, reason);
        }
        return switch (panel.type()) {
            case "timeseries" -> timeseries(g, panel, body, box, source);
            case "stat" -> stat(g, panel, body, box, source);
            default -> {
                centred(g, body, "(" + panel.type() + " panel not drawn)", TEXT_DIM, 14);
                yield new PanelResult(panel.title(), panel.type(), Outcome.NOT_DRAWN, 0, List.of(), box,
                        "a " + panel.type() + " panel");
            }
        };
    }

    private record Line(String name, Series series) {}

    private PanelResult timeseries(Graphics2D g, Panel panel, Box body, Box box, MetricSource source) {
        List<Line> lines = new ArrayList<>();
        for (Target target : panel.targets()) {
            for (Series s : source.range(variables.substitute(target.expr()), start, end, step)) {
                if (hasFinite(s)) {
                    lines.add(new Line(Legend.name(target.legendFormat(), s.labels(), target.expr()), s));
                }
            }
        }
        List<String> names = lines.stream().map(Line::name).toList();
        if (lines.isEmpty()) {
            centred(g, body, "No data", TEXT_DIM, 16);
            return new PanelResult(panel.title(), panel.type(), Outcome.NO_DATA, 0, names, box);
        }
        XYSeriesCollection data = new XYSeriesCollection();
        Set<String> keys = new HashSet<>();
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        long gap = step.toMillis() * 3 / 2;
        for (Line line : lines) {
            String key = line.name();
            for (int n = 2; !keys.add(key); n++) {
                key = line.name() + " (" + n + ")"; // two series of one name: JFreeChart needs distinct keys
            }
            XYSeries xy = new XYSeries(key, false, true);
            Series s = line.series();
            for (int i = 0; i < s.size(); i++) {
                if (i > 0 && s.epochMillis()[i] - s.epochMillis()[i - 1] > gap) {
                    xy.add(s.epochMillis()[i - 1] + 1, null); // Prometheus left out points: a gap, as Grafana draws it
                }
                double v = s.values()[i];
                xy.add(s.epochMillis()[i], Double.isFinite(v) ? v : null);
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
            data.addSeries(xy);
        }
        JFreeChart chart = ChartFactory.createTimeSeriesChart(null, null, null, data, true, false, false);
        style(chart, panel.unit(), lo, hi, body);
        chart.draw(g, new Rectangle2D.Double(body.x(), body.y(), body.width(), body.height()));
        return new PanelResult(panel.title(), panel.type(), Outcome.DRAWN, lines.size(), names, box);
    }

    private void style(JFreeChart chart, String unit, double lo, double hi, Box body) {
        chart.setBackgroundPaint(PANEL);
        chart.setBorderVisible(false);
        chart.setPadding(new RectangleInsets(0, 0, 0, 4));
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(PANEL);
        plot.setOutlineVisible(false);
        plot.setAxisOffset(RectangleInsets.ZERO_INSETS);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setDomainGridlineStroke(new BasicStroke(1));
        plot.setRangeGridlineStroke(new BasicStroke(1));
        XYLineAndShapeRenderer lines = new IsolatedPointsRenderer();
        for (int i = 0; i < plot.getDataset().getSeriesCount(); i++) {
            lines.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            lines.setSeriesStroke(i, new BasicStroke(LINE_WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            lines.setSeriesShape(i, new Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        lines.setDefaultShapesFilled(true);
        plot.setRenderer(lines);

        Font ticks = new Font(FONT, Font.PLAIN, 12);
        DateAxis time = (DateAxis) plot.getDomainAxis();
        time.setTimeZone(TimeZone.getTimeZone(zone));
        SimpleDateFormat format = new SimpleDateFormat(Duration.between(start, end).toHours() >= 24 ? "MM-dd HH:mm" : "HH:mm",
                Locale.ROOT);
        format.setTimeZone(TimeZone.getTimeZone(zone));
        time.setDateFormatOverride(format);
        time.setRange(start.toEpochMilli(), end.toEpochMilli());
        time.setTickUnit(timeTick(Duration.between(start, end), body.width() / TIME_TICK_PX), false, true);
        NumberAxis values = (NumberAxis) plot.getRangeAxis();
        // Grafana's y range: the data's, with a little room; never below zero for data that never is
        boolean flat = hi - lo <= Math.max(Math.abs(lo), Math.abs(hi)) * 1e-9; // rounding apart: one value
        double pad = !flat ? (hi - lo) * 0.05 : (lo == 0 ? 1 : Math.abs(lo) * 0.1);
        double lower = lo >= 0 && lo - pad < 0 ? 0 : lo - pad;
        values.setRange(lower, hi + pad);
        Units.Scale scale = Units.scale(unit, Math.max(Math.abs(lower), Math.abs(hi + pad)));
        values.setTickUnit(new NumberTickUnit(niceStep((hi + pad - lower) / Math.max(2, body.height() / VALUE_TICK_PX),
                scale.factor())), false, true);
        values.setNumberFormatOverride(new UnitFormat(values, scale));
        for (var axis : List.of(time, values)) {
            axis.setTickLabelFont(ticks);
            axis.setTickLabelPaint(TEXT_DIM);
            axis.setAxisLineVisible(false);
            axis.setTickMarksVisible(false);
        }

        LegendTitle legend = chart.getLegend();
        legend.setBackgroundPaint(PANEL);
        legend.setItemPaint(TEXT);
        legend.setItemFont(new Font(FONT, Font.PLAIN, 12));
        legend.setFrame(BlockBorder.NONE);
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setHorizontalAlignment(HorizontalAlignment.LEFT);
        legend.setItemLabelPadding(new RectangleInsets(1, 3, 1, 10));
        limitLegend(plot, body);
    }

    /**
     * At most a third of the panel for the legend, as Grafana's scrolling legend leaves the chart its room:
     * the items that fit, then "+N more".
     */
    private static void limitLegend(XYPlot plot, Box body) {
        LegendItemCollection all = plot.getLegendItems();
        int rows = Math.max(1, body.height() / 3 / LEGEND_ROW);
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        FontMetrics metrics = g.getFontMetrics(new Font(FONT, Font.PLAIN, 12));
        g.dispose();
        int room = body.width() - 8;
        int row = 1;
        int used = 0;
        int fits = 0;
        for (int i = 0; i < all.getItemCount(); i++) {
            int w = 30 + metrics.stringWidth(all.get(i).getLabel());
            if (used + w > room && used > 0) {
                row++;
                used = 0;
            }
            if (row > rows) {
                break;
            }
            used += w;
            fits++;
        }
        if (fits >= all.getItemCount()) {
            return;
        }
        int shown = Math.max(1, fits - 1); // room for "+N more" on the last row
        LegendItemCollection kept = new LegendItemCollection();
        for (int i = 0; i < shown; i++) {
            kept.add(all.get(i));
        }
        kept.add(new LegendItem("+" + (all.getItemCount() - shown) + " more", new Color(0, 0, 0, 0)));
        plot.setFixedLegendItems(kept);
    }

    private record Value(String name, double value) {}

    private PanelResult stat(Graphics2D g, Panel panel, Box body, Box box, MetricSource source) {
        List<Value> values = new ArrayList<>();
        for (Target target : panel.targets()) {
            // Grafana's stat: the last non-null point of a range query over the window, not an instant query
            for (Series s : source.range(variables.substitute(target.expr()), start, end, step)) {
                double last = lastFinite(s);
                if (!Double.isNaN(last)) {
                    values.add(new Value(Legend.name(target.legendFormat(), s.labels(), target.expr()), last));
                }
            }
        }
        List<String> names = values.stream().map(Value::name).toList();
        if (values.isEmpty()) {
            centred(g, body, "No data", TEXT_DIM, 16);
            return new PanelResult(panel.title(), panel.type(), Outcome.NO_DATA, 0, names, box);
        }
        // the grid of cells whose shape is nearest Grafana's (about three times as wide as high)
        int n = values.size();
        int columns = 1;
        double best = -1;
        for (int c = 1; c <= n; c++) {
            int r = (n + c - 1) / c;
            double score = Math.min(body.width() / (double) c / 3.0, body.height() / (double) r);
            if (score > best) {
                best = score;
                columns = c;
            }
        }
        int rowsOfCells = (n + columns - 1) / columns;
        double cellW = body.width() / (double) columns;
        double cellH = body.height() / (double) rowsOfCells;
        for (int i = 0; i < n; i++) {
            Value v = values.get(i);
            int cx = (int) (body.x() + (i % columns) * cellW);
            int cy = (int) (body.y() + (i / columns) * cellH);
            String text = Units.format(panel.unit(), v.value());
            int nameSize = (int) Math.max(10, Math.min(16, cellH * 0.16));
            g.setFont(new Font(FONT, Font.PLAIN, nameSize));
            FontMetrics nm = g.getFontMetrics();
            String name = fit(nm, v.name(), (int) cellW - 8);
            int valueSize = (int) Math.min(64, (cellH - nameSize) * 0.62);
            Font valueFont = new Font(FONT, Font.BOLD, Math.max(10, valueSize));
            while (valueFont.getSize() > 10 && g.getFontMetrics(valueFont).stringWidth(text) > cellW - 12) {
                valueFont = valueFont.deriveFont((float) valueFont.getSize() - 1);
            }
            FontMetrics vm = g.getFontMetrics(valueFont);
            int blockH = nm.getAscent() + 4 + vm.getAscent();
            int top = (int) (cy + (cellH - blockH) / 2);
            g.setColor(TEXT);
            g.drawString(name, (int) (cx + (cellW - nm.stringWidth(name)) / 2), top + nm.getAscent());
            g.setFont(valueFont);
            g.setColor(STAT_VALUE);
            g.drawString(text, (int) (cx + (cellW - vm.stringWidth(text)) / 2), top + nm.getAscent() + 4 + vm.getAscent());
        }
        return new PanelResult(panel.title(), panel.type(), Outcome.DRAWN, n, names, box);
    }

    /** A tick step of 1, 2, 2.5 or 5 times a power of ten, in the unit's scale, at least {@code raw}. */
    static double niceStep(double raw, double factor) {
        double scaled = raw / factor;
        double power = Math.pow(10, Math.floor(Math.log10(scaled)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * power >= scaled * (1 - 1e-9)) {
                return m * power * factor;
            }
        }
        return 10 * power * factor;
    }

    /** The shortest of Grafana's time steps (1 min, 2 min, 5 min, ... 1 day) that keeps to {@code ticks} ticks. */
    static DateTickUnit timeTick(Duration window, int ticks) {
        long wanted = window.toSeconds() / Math.max(2, ticks);
        int[] minutes = {1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440};
        for (int m : minutes) {
            if (m * 60L >= wanted) {
                return m < 60 ? new DateTickUnit(DateTickUnitType.MINUTE, m) : new DateTickUnit(DateTickUnitType.HOUR, m / 60);
            }
        }
        return new DateTickUnit(DateTickUnitType.DAY, (int) Math.max(1, wanted / 86400));
    }

    /** The last finite value of {@code s}, or NaN where there is none. */
    static double lastFinite(Series s) {
        for (int i = s.size() - 1; i >= 0; i--) {
            if (Double.isFinite(s.values()[i])) {
                return s.values()[i];
            }
        }
        return Double.NaN;
    }

    private static boolean hasFinite(Series s) {
        for (double v : s.values()) {
            if (Double.isFinite(v)) {
                return true;
            }
        }
        return false;
    }

    private static void centred(Graphics2D g, Box body, String text, Color color, int size) {
        g.setFont(new Font(FONT, Font.PLAIN, size));
        g.setColor(color);
        FontMetrics m = g.getFontMetrics();
        g.drawString(text, body.x() + (body.width() - m.stringWidth(text)) / 2,
                body.y() + (body.height() + m.getAscent()) / 2);
    }

    /** {@code text} cut with an ellipsis to fit {@code width} pixels. */
    private static String fit(FontMetrics m, String text, int width) {
        if (m.stringWidth(text) <= width) {
            return text;
        }
        String cut = text;
        while (!cut.isEmpty() && m.stringWidth(cut + "…") > width) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "…";
    }

    /**
     * Lines, and a dot where a point has no neighbour to draw a line to (a short burst of requests between
     * steps without any): Grafana's "show points: auto" for sparse data, which a line alone would hide.
     */
    private static final class IsolatedPointsRenderer extends XYLineAndShapeRenderer {
        /** While the legend's item is made: a line, as Grafana's legend shows, whatever the first point. */
        private boolean legend;

        IsolatedPointsRenderer() {
            super(true, false);
        }

        @Override
        public boolean getItemShapeVisible(int series, int item) {
            XYDataset data = getPlot().getDataset();
            return !legend && !Double.isNaN(data.getYValue(series, item)) && missing(data, series, item - 1)
                    && missing(data, series, item + 1);
        }

        @Override
        public LegendItem getLegendItem(int datasetIndex, int series) {
            legend = true;
            try {
                return super.getLegendItem(datasetIndex, series);
            } finally {
                legend = false;
            }
        }

        private static boolean missing(XYDataset data, int series, int item) {
            return item < 0 || item >= data.getItemCount(series) || Double.isNaN(data.getYValue(series, item));
        }
    }

    /** The y axis' tick labels in the panel's unit, with the decimals that tell the ticks apart. */
    private static final class UnitFormat extends NumberFormat {
        private final transient NumberAxis axis;
        private final transient Units.Scale scale;

        UnitFormat(NumberAxis axis, Units.Scale scale) {
            this.axis = axis;
            this.scale = scale;
        }

        @Override
        public StringBuffer format(double number, StringBuffer to, FieldPosition pos) {
            return to.append(scale.format(number, Units.decimals(scale, axis.getTickUnit().getSize())));
        }

        @Override
        public StringBuffer format(long number, StringBuffer to, FieldPosition pos) {
            return format((double) number, to, pos);
        }

        @Override
        public Number parse(String source, ParsePosition pos) {
            throw new UnsupportedOperationException("tick labels are only written");
        }
    }
}
