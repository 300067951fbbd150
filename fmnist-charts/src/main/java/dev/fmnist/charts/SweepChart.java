package dev.fmnist.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The seed's sweep figure: final test accuracy against the swept value, as a PNG. */
public final class SweepChart {

    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    private static final float LINE_WIDTH = 2f;

    private final String title;
    private final String parameter;
    private final SortedMap<Double, Double> accuracyByValue = new TreeMap<>();

    public SweepChart(String title, String parameter) {
        this.title = title;
        this.parameter = parameter;
    }

    /** Adds one finished run: the swept value and its test accuracy. */
    public SweepChart add(double value, double testAccuracy) {
        accuracyByValue.put(value, testAccuracy);
        return this;
    }

    /** The chart as PNG bytes, {@link #WIDTH} x {@link #HEIGHT}. */
    public byte[] png() {
        System.setProperty("java.awt.headless", "true");
        XYSeries series = new XYSeries("test accuracy");
        for (Map.Entry<Double, Double> point : accuracyByValue.entrySet()) {
            series.add(point.getKey(), point.getValue());
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, parameter, "test accuracy",
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
