package dev.fmnist.charts.dashboards;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The values Grafana puts for the dashboards' variables before a panel's query reaches Prometheus:
 * one substitution for the pictures ({@code fmnist dashboards}) and for the system test that evaluates
 * every panel's query.
 *
 * @param rateInterval {@code $__rate_interval}: the window of the panels' {@code rate()}s
 * @param experiment   {@code $experiment}: a regular expression over the experiment label; {@link #ALL} for
 *                     Grafana's "All" (the training dashboard's allValue)
 */
public record DashboardVariables(Duration rateInterval, String experiment) {

    /** Every experiment: the training dashboard's {@code allValue}. */
    public static final String ALL = ".*";
    public static final String RATE_INTERVAL = "$__rate_interval";
    public static final String EXPERIMENT = "$experiment";
    /**
     * Prometheus's scrape interval in deploy/prometheus/prometheus.yml (and Grafana's datasource timeInterval):
     * the CLI's {@code --scrape-interval} default, as Prometheus writes a duration.
     */
    public static final String DEFAULT_SCRAPE_INTERVAL = "5s";
    /** A dashboard variable as Grafana writes one: $name or ${name}, name a word. */
    private static final Pattern VARIABLE = Pattern.compile("\\$(?:\\{([A-Za-z_]\\w*)}|([A-Za-z_]\\w*))");

    public DashboardVariables {
        if (rateInterval.isNegative() || rateInterval.isZero()) {
            throw new IllegalArgumentException("rateInterval: must be positive, was " + rateInterval);
        }
        if (experiment == null || experiment.isEmpty()) {
            throw new IllegalArgumentException("experiment: a regular expression is required (\".*\" for all)");
        }
    }

    /**
     * Grafana's {@code $__rate_interval}: {@code max($__interval + scrape interval, 4 x scrape interval)},
     * so that every {@code rate()} window holds at least four scrapes and no step falls between windows.
     *
     * @param scrapeInterval Prometheus's scrape interval (5 s in deploy/prometheus/prometheus.yml)
     * @param step           the query's step ({@code $__interval})
     */
    public static Duration rateInterval(Duration scrapeInterval, Duration step) {
        Duration fourScrapes = scrapeInterval.multipliedBy(4);
        Duration stepAndScrape = step.plus(scrapeInterval);
        return stepAndScrape.compareTo(fourScrapes) > 0 ? stepAndScrape : fourScrapes;
    }

    /** {@link #DEFAULT_SCRAPE_INTERVAL} as a duration. */
    public static Duration defaultScrapeInterval() {
        return Duration.parse("PT" + DEFAULT_SCRAPE_INTERVAL.toUpperCase(Locale.ROOT));
    }

    /**
     * The expression with the variables replaced, as Grafana sends it: whole names only ({@code $experiment_x}
     * is another variable), and {@code $experiment} escaped for the PromQL string literal it sits in
     * ({@code \} and {@code "}).
     */
    public String substitute(String expr) {
        Matcher m = VARIABLE.matcher(expr);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = switch (name) {
                case "__rate_interval" -> promDuration(rateInterval);
                case "experiment" -> experiment.replace("\\", "\\\\").replace("\"", "\\\"");
                default -> m.group(); // unknown: left as it is, see unknown()
            };
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    /**
     * The variables of {@code expr} that {@link #substitute} does not replace ({@code $__interval},
     * {@code $__range}, a dashboard's own), as written; empty where there are none.
     */
    public static List<String> unknown(String expr) {
        List<String> unknown = new ArrayList<>();
        Matcher m = VARIABLE.matcher(expr);
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            if (!name.equals("__rate_interval") && !name.equals("experiment") && !unknown.contains(m.group())) {
                unknown.add(m.group());
            }
        }
        return unknown;
    }

    /** A duration as PromQL writes one: whole seconds as "20s", else milliseconds. */
    static String promDuration(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
