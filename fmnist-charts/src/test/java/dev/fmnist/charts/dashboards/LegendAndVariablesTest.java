package dev.fmnist.charts.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Legends named and variables replaced the way Grafana does before a query reaches Prometheus. */
class LegendAndVariablesTest {

    @Test
    void legendFormatTakesEachLabelsValue() {
        Map<String, String> labels = Map.of("model", "better", "class", "Bag", "instance", "127.0.0.1:8081");

        assertThat(Legend.name("{{model}} {{class}}", labels, "x")).isEqualTo("better Bag");
        assertThat(Legend.name("{{ instance }}: {{model}} p99", labels, "x")).isEqualTo("127.0.0.1:8081: better p99");
        // Grafana leaves the label's name where the series has no such label
        assertThat(Legend.name("{{model}} {{reason}}", labels, "x")).isEqualTo("better reason");
        assertThat(Legend.name("$1 {{model}}", labels, "x")).as("no regex replacement syntax leaks").isEqualTo("$1 better");
    }

    @Test
    void withoutALegendFormatTheSeriesIsNamedByItsMetricAndLabels() {
        assertThat(Legend.name("", Map.of("__name__", "up", "job", "fmnist-trainer", "instance", "a:1"), "up"))
                .isEqualTo("up{instance=\"a:1\", job=\"fmnist-trainer\"}");
        assertThat(Legend.name(null, Map.of("model", "m"), "sum by (model) (x)")).isEqualTo("{model=\"m\"}");
        assertThat(Legend.name("", Map.of(), "sum(up)")).isEqualTo("sum(up)");
    }

    @Test
    void rateIntervalFollowsGrafanasRule() {
        Duration scrape = Duration.ofSeconds(5);
        // four scrapes at least
        assertThat(DashboardVariables.rateInterval(scrape, Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(20));
        // else the step and one scrape, so that no sample falls between two steps' windows
        assertThat(DashboardVariables.rateInterval(scrape, Duration.ofSeconds(18))).isEqualTo(Duration.ofSeconds(23));
        assertThat(DashboardVariables.rateInterval(Duration.ofSeconds(1), Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void substituteReplacesEveryVariableOfAPanelsExpression() {
        DashboardVariables variables = new DashboardVariables(Duration.ofSeconds(20), DashboardVariables.ALL);
        String expr = "sum(rate(a{x=~\"$experiment\"}[$__rate_interval])) / sum(rate(b{x=~\"${experiment}\"}[$__rate_interval]))";

        assertThat(variables.substitute(expr))
                .isEqualTo("sum(rate(a{x=~\".*\"}[20s])) / sum(rate(b{x=~\".*\"}[20s]))");
        assertThat(new DashboardVariables(Duration.ofMillis(1500), "exp-1").substitute("rate(a{e=~\"$experiment\"}[$__rate_interval])"))
                .isEqualTo("rate(a{e=~\"exp-1\"}[1500ms])");
        // whole names only; the experiment escaped for the PromQL string it sits in
        assertThat(new DashboardVariables(Duration.ofSeconds(20), "a\\.b|\"c\"")
                .substitute("x{e=~\"$experiment\", f=\"$experiment_x\"}[$__rate_interval]"))
                .isEqualTo("x{e=~\"a\\\\.b|\\\"c\\\"\", f=\"$experiment_x\"}[20s]");
        assertThat(DashboardVariables.unknown("rate(x[$__interval]) / $__range + y{e=~\"$experiment\"}[${__rate_interval}]"))
                .containsExactly("$__interval", "$__range");
        assertThat(DashboardVariables.defaultScrapeInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThatThrownBy(() -> new DashboardVariables(Duration.ZERO, ".*")).hasMessageContaining("rateInterval");
        assertThatThrownBy(() -> new DashboardVariables(Duration.ofSeconds(1), "")).hasMessageContaining("experiment");
    }

    @Test
    void unitsScaleAsGrafanasDo() {
        assertThat(Units.format("bytes", 1.5 * 1024 * 1024 * 1024)).isEqualTo("1.5 GiB");
        assertThat(Units.format("s", 0.0025)).isEqualTo("2.5 ms");
        assertThat(Units.format("µs", 1500)).isEqualTo("1.5 ms");
        assertThat(Units.format("percentunit", 0.925)).isEqualTo("92.5%");
        assertThat(Units.format("reqps", 2400)).isEqualTo("2.4 K req/s");
        assertThat(Units.format("", 85)).isEqualTo("85");
        assertThat(Units.format("", Double.NaN)).isEqualTo("NaN");
        Units.Scale mib = Units.scale("bytes", 300e6);
        assertThat(mib.suffix()).isEqualTo(" MiB");
        assertThat(mib.format(100 * 1024 * 1024, Units.decimals(mib, 50 * 1024 * 1024))).isEqualTo("100 MiB");
        assertThat(mib.format(1.25 * 1024 * 1024, Units.decimals(mib, 0.25 * 1024 * 1024))).isEqualTo("1.25 MiB");
    }
}
