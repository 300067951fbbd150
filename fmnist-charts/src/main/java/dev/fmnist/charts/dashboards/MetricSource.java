package dev.fmnist.charts.dashboards;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Where the panels' numbers come from: Prometheus's query API, or canned answers in tests. */
public interface MetricSource {

    /** A range query ({@code /api/v1/query_range}): one series per returned label set. */
    List<Series> range(String expr, Instant start, Instant end, Duration step);

    /** An instant query ({@code /api/v1/query}) at {@code at}: one series of one point per label set. */
    List<Series> instant(String expr, Instant at);

    /**
     * One returned series.
     *
     * @param labels       its labels, {@code __name__} included where Prometheus kept it
     * @param epochMillis  the points' times
     * @param values       the points' values (NaN and infinities as Prometheus returned them)
     */
    record Series(Map<String, String> labels, long[] epochMillis, double[] values) {
        public Series {
            labels = Map.copyOf(labels);
            if (epochMillis.length != values.length) {
                throw new IllegalArgumentException("epochMillis and values: " + epochMillis.length + " times for "
                        + values.length + " values");
            }
        }

        public int size() {
            return values.length;
        }

        /** The last value, or NaN for an empty series. */
        public double last() {
            return values.length == 0 ? Double.NaN : values[values.length - 1];
        }
    }
}
