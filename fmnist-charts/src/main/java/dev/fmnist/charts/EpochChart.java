package dev.fmnist.charts;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** A figure per epoch, one line per run (learning curves side by side), as a PNG. */
public final class EpochChart {

    private static final float LINE_WIDTH = 2f;

    private final String title;
    private final String measure;
    private final Map<String, XYSeries> runs = new LinkedHashMap<>();

    public EpochChart(String title, String measure) {
        this.title = title;
        this.measure = measure;
    }

    /** One point of run {@code run}: its figure after epoch {@code epoch}, counted from 1. */
    public EpochChart add(String run, int epoch, double value) {
        runs.computeIfAbsent(run, XYSeries::new).add(epoch, value);
        return this;
    }

    /** The chart as PNG bytes, {@link SweepChart#WIDTH} x {@link SweepChart#HEIGHT}. */
    public byte[] png() {
        System.setProperty("java.awt.headless", "true");
        XYSeriesCollection data = new XYSeriesCollection();
        runs.values().forEach(data::addSeries);
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", measure, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int s = 0; s < data.getSeriesCount(); s++) {
            renderer.setSeriesStroke(s, new BasicStroke(LINE_WIDTH));
        }
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ChartUtils.writeChartAsPNG(png, chart, SweepChart.WIDTH, SweepChart.HEIGHT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot render " + title, e);
        }
        return png.toByteArray();
    }
}
