package dev.fmnist.cli.output;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Numbers and durations as people read them. */
public final class Formats {

    private Formats() {}

    public static String accuracy(Double value) {
        return value == null ? "-" : String.format("%.4f", value);
    }

    /** A swept value as it was written: 3 rather than 3.0, 0.001 as it is. */
    public static String number(Object value) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && !Double.isInfinite(n.doubleValue())) {
            return Long.toString(n.longValue());
        }
        return String.valueOf(value);
    }

    /** An ISO-8601 instant to the second, such as 2026-11-29T13:29:47Z. */
    public static String time(String iso) {
        return iso == null ? "-" : Instant.parse(iso).truncatedTo(ChronoUnit.SECONDS).toString();
    }

    /** 0:42, 12:05, 1:02:03. */
    public static String duration(Duration d) {
        if (d == null) {
            return "-";
        }
        long s = Math.max(0, d.getSeconds());
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
