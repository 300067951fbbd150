package dev.fmnist.charts.dashboards;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Grafana's units as the panels use them (fieldConfig.defaults.unit): a value scaled to a readable
 * magnitude and suffixed. Units it does not know are shown as plain numbers followed by the unit.
 */
public final class Units {

    private static final String[] BYTES = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    private static final String[] SHORT = {"", "K", "Mil", "Bil", "Tri"};

    private Units() {}

    /** A factor to divide by and the suffix that follows the scaled number. */
    public record Scale(double factor, String suffix) {
        public String format(double value, int decimals) {
            if (Double.isNaN(value)) {
                return "NaN";
            }
            if (Double.isInfinite(value)) {
                return (value > 0 ? "+Inf" : "-Inf");
            }
            double scaled = value / factor;
            String number = BigDecimal.valueOf(scaled).setScale(Math.max(0, decimals), RoundingMode.HALF_UP)
                    .stripTrailingZeros().toPlainString();
            return ("-0".equals(number) ? "0" : number) + suffix;
        }
    }

    /** The scale for values of about {@code magnitude} (the largest absolute value to show). */
    public static Scale scale(String unit, double magnitude) {
        double m = Double.isFinite(magnitude) ? Math.abs(magnitude) : 0;
        String u = unit == null ? "" : unit;
        return switch (u) {
            case "percentunit" -> new Scale(0.01, "%");
            case "percent" -> new Scale(1, "%");
            case "bytes" -> thousands(m, 1024, BYTES, " ");
            case "s" -> time(m, 1);
            case "ms" -> time(m, 1e-3);
            case "µs", "us" -> time(m, 1e-6);
            case "reqps" -> withSuffix(thousands(m, 1000, SHORT, " "), " req/s");
            case "ops" -> withSuffix(thousands(m, 1000, SHORT, " "), " ops/s");
            case "", "short", "none" -> thousands(m, 1000, SHORT, " ");
            default -> withSuffix(thousands(m, 1000, SHORT, " "), " " + u);
        };
    }

    /** One value on its own, as a stat panel shows it: three significant digits at most. */
    public static String format(String unit, double value) {
        Scale scale = scale(unit, value);
        double scaled = Math.abs(value / scale.factor());
        int decimals = !Double.isFinite(scaled) || scaled >= 100 || scaled == 0 ? 0 : scaled >= 10 ? 1 : 2;
        if (scaled != 0 && scaled < 1) {
            decimals = Math.min(6, 2 - (int) Math.floor(Math.log10(scaled))); // 0.00123 -> 0.00123
        }
        return scale.format(value, decimals);
    }

    /** Decimals that tell apart axis ticks {@code tickSize} apart, in the scale's units. */
    public static int decimals(Scale scale, double tickSize) {
        double step = tickSize / scale.factor();
        if (!(step > 0) || !Double.isFinite(step)) {
            return 0;
        }
        for (int d = 0; d < 6; d++) { // the fewest decimals that write the step itself: 0.25 -> 2, 2.5 -> 1
            double shifted = step * Math.pow(10, d);
            if (Math.abs(shifted - Math.rint(shifted)) < 1e-6 * shifted) {
                return d;
            }
        }
        return 6;
    }

    private static Scale thousands(double m, double base, String[] names, String separator) {
        int i = 0;
        double factor = 1;
        while (i < names.length - 1 && m >= factor * base) {
            factor *= base;
            i++;
        }
        return new Scale(factor, names[i].isEmpty() ? "" : separator + names[i]);
    }

    private static Scale time(double m, double seconds) {
        double s = m * seconds; // the magnitude in seconds
        if (s == 0) {
            return new Scale(1 / seconds, " s");
        }
        if (s >= 86400) {
            return new Scale(86400 / seconds, " day");
        }
        if (s >= 3600) {
            return new Scale(3600 / seconds, " hour");
        }
        if (s >= 60) {
            return new Scale(60 / seconds, " min");
        }
        if (s >= 1) {
            return new Scale(1 / seconds, " s");
        }
        if (s >= 1e-3) {
            return new Scale(1e-3 / seconds, " ms");
        }
        if (s >= 1e-6) {
            return new Scale(1e-6 / seconds, " µs");
        }
        return new Scale(1e-9 / seconds, " ns");
    }

    private static Scale withSuffix(Scale scale, String suffix) {
        return new Scale(scale.factor(), scale.suffix() + suffix);
    }
}
