package dev.fmnist.charts.dashboards;

import java.time.Duration;

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

    /** The expression with the variables replaced, as Grafana sends it. */
    public String substitute(String expr) {
        return expr.replace(RATE_INTERVAL, promDuration(rateInterval))
                .replace("${experiment}", experiment).replace(EXPERIMENT, experiment);
    }

    /** A duration as PromQL writes one: whole seconds as "20s", else milliseconds. */
    static String promDuration(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }
}
