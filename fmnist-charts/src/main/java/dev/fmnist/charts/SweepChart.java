package dev.fmnist.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import dev.fmnist.contract.experiments.Sweep;
import dev.fmnist.contract.experiments.SweepRow;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The seed's sweep figure, final test accuracy against the swept value, or a random search's: each
 * trial's validation accuracy, best first. As a PNG.
 */
public final class SweepChart {

    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    private static final float LINE_WIDTH = 2f;

    private final String title;
    private final String parameter;
    private final String measure;
    private final SortedMap<Double, Double> accuracyByValue = new TreeMap<>();

    /** Test accuracy against {@code parameter}. */
    public SweepChart(String title, String parameter) {
        this(title, parameter, "test accuracy");
    }

    /** {@code measure} against {@code parameter}. */
    public SweepChart(String title, String parameter, String measure) {
        this.title = title;
        this.parameter = parameter;
        this.measure = measure;
    }

    /**
     * The figure of a finished sweep from its summary rows: a grid's test accuracy against its
     * parameter; a random search's validation accuracy by rank (its rows come ranked), since the test
     * set does not choose.
     */
    public static SweepChart of(String sweepId, Sweep sweep, List<SweepRow> rows) {
        if (!sweep.isRandom()) {
            SweepChart chart = new SweepChart("Test accuracy against " + sweep.parameter() + " (" + sweepId + ")",
                    sweep.parameter());
            rows.stream().filter(r -> r.succeeded() && r.testAccuracy() != null)
                    .forEach(row -> chart.add(row.value(), row.testAccuracy()));
            return chart;
        }
        SweepChart chart = new SweepChart("Random search: validation accuracy of each trial, best first (" + sweepId + ")",
                "rank", "validation accuracy");
        int rank = 0;
        for (SweepRow row : rows) {
            rank++;
            if (row.succeeded() && row.valAccuracy() != null) {
                chart.add(rank, row.valAccuracy());
            }
        }
        return chart;
    }

    /** Adds one finished run: the swept value (or rank) and its accuracy. */
    public SweepChart add(double value, double accuracy) {
        accuracyByValue.put(value, accuracy);
        return this;
    }

    /** The chart as PNG bytes, {@link #WIDTH} x {@link #HEIGHT}. */
    public byte[] png() {
        System.setProperty("java.awt.headless", "true");
        XYSeries series = new XYSeries(measure);
        for (Map.Entry<Double, Double> point : accuracyByValue.entrySet()) {
            series.add(point.getKey(), point.getValue());
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, parameter, measure,
                new XYSeriesCollection(series), PlotOrientation.VERTICAL, false, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        renderer.setSeriesStroke(0, new BasicStroke(LINE_WIDTH));
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        if (accuracyByValue.keySet().stream().allMatch(v -> v == Math.rint(v))) {
            plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits()); // k = 3, 4, ... not 3.5
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(png, chart, WIDTH, HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + title, e);
        }
        return png.toByteArray();
    }
}
