package dev.fmnist.cli.reports;

import dev.fmnist.cli.history.ExperimentRecord;
import dev.fmnist.contract.data.FashionMnist;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Function;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.annotations.XYTextAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.renderer.xy.XYBlockRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.DefaultXYZDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** The report's plots, drawn by JFreeChart as PNG bytes. */
public final class Charts {

    public static final int WIDTH = 800;
    public static final int HEIGHT = 500;
    public static final int MATRIX_SIDE = 800;

    private Charts() {}

    /** Loss per epoch, one line per run. */
    public static byte[] loss(List<ExperimentRecord> runs, String title) {
        return lines(title, "loss (training)", runs, List.of(new Curve("", ExperimentRecord.Epoch::loss)), false);
    }

    /** Train and test accuracy per epoch, one pair of lines per run. */
    public static byte[] accuracy(List<ExperimentRecord> runs, String title) {
        return lines(title, "accuracy", runs, List.of(new Curve("train", ExperimentRecord.Epoch::trainAccuracy),
                new Curve("test", ExperimentRecord.Epoch::testAccuracy)), true);
    }

    /**
     * Train and validation accuracy per epoch, one pair of lines per run: a random search's trials,
     * whose test accuracy is looked at for the winner alone.
     */
    public static byte[] validationAccuracy(List<ExperimentRecord> runs, String title) {
        return lines(title, "accuracy", runs, List.of(new Curve("train", ExperimentRecord.Epoch::trainAccuracy),
                new Curve("val", ExperimentRecord.Epoch::valAccuracy)), true);
    }

    private record Curve(String name, Function<ExperimentRecord.Epoch, Double> value) {}

    private static byte[] lines(String title, String yLabel, List<ExperimentRecord> runs, List<Curve> curves,
            boolean accuracyRange) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (ExperimentRecord run : runs) {
            for (Curve curve : curves) {
                String label = (runs.size() > 1 ? run.getExperimentId() + " " : "") + curve.name();
                XYSeries series = new XYSeries(label.isBlank() ? run.getExperimentId() : label.strip());
                run.getEpochMetrics().forEach(e -> {
                    Double v = curve.value().apply(e);
                    if (v != null) {
                        series.add(e.epoch(), v);
                    }
                });
                if (!series.isEmpty()) {
                    data.addSeries(series);
                }
            }
        }
        JFreeChart chart = ChartFactory.createXYLineChart(title, "epoch", yLabel, data, PlotOrientation.VERTICAL,
                true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int s = 0; s < data.getSeriesCount(); s++) {
            renderer.setSeriesStroke(s, new BasicStroke(2f));
        }
        plot.setRenderer(renderer);
        ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(!accuracyRange);
        return png(chart, WIDTH, HEIGHT);
    }

    /** Rows: true class; columns: predicted class; each cell's count written in it. */
    public static byte[] confusion(int[][] counts, String title) {
        int n = FashionMnist.CLASSES;
        double[][] xyz = new double[3][n * n];
        int max = 1;
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                int i = t * n + p;
                xyz[0][i] = p;
                xyz[1][i] = t;
                xyz[2][i] = counts[t][p];
                max = Math.max(max, counts[t][p]);
            }
        }
        DefaultXYZDataset data = new DefaultXYZDataset();
        data.addSeries("count", xyz);
        SymbolAxis predicted = new SymbolAxis("predicted", FashionMnist.CLASS_NAMES);
        predicted.setVerticalTickLabels(true);
        SymbolAxis actual = new SymbolAxis("true class", FashionMnist.CLASS_NAMES);
        actual.setInverted(true); // first class on top, as confusion matrices are read
        XYBlockRenderer renderer = new XYBlockRenderer();
        renderer.setPaintScale(new BluesScale(max));
        XYPlot plot = new XYPlot(data, predicted, actual, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                XYTextAnnotation label = new XYTextAnnotation(Integer.toString(counts[t][p]), p, t);
                label.setFont(font);
                label.setPaint(counts[t][p] > max / 2 ? Color.WHITE : Color.BLACK);
                plot.addAnnotation(label);
            }
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        chart.setBackgroundPaint(Color.WHITE);
        return png(chart, MATRIX_SIDE, MATRIX_SIDE);
    }

    /** White for 0 to dark blue for the largest count. */
    private record BluesScale(double upper) implements PaintScale {
        @Override
        public double getLowerBound() {
            return 0;
        }

        @Override
        public double getUpperBound() {
            return upper;
        }

        @Override
        public Paint getPaint(double value) {
            double f = Math.max(0, Math.min(1, value / upper));
            return new Color((int) (255 - 222 * f), (int) (255 - 180 * f), (int) (255 - 75 * f));
        }
    }

    private static byte[] png(JFreeChart chart, int width, int height) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ChartUtils.writeChartAsPNG(out, chart, width, height);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
