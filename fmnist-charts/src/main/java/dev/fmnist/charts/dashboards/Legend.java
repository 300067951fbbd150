package dev.fmnist.charts.dashboards;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** A series' name in a panel, as Grafana's Prometheus data source makes it from the target's legendFormat. */
public final class Legend {

    /** {@code {{label}}}, spaces allowed inside the braces (Grafana's renderLegendFormat). */
    private static final Pattern LABEL = Pattern.compile("\\{\\{\\s*(.+?)\\s*\\}\\}");
    private static final String METRIC_NAME = "__name__";

    private Legend() {}

    /**
     * {@code legendFormat} with each {@code {{label}}} replaced by the series' value of that label (Grafana
     * leaves the label's name where the series has no such label); with no format, the series'
     * {@code name{label="value", ...}}, and the expression itself where the series has no labels at all.
     */
    public static String name(String legendFormat, Map<String, String> labels, String expr) {
        if (legendFormat != null && !legendFormat.isBlank()) {
            Matcher m = LABEL.matcher(legendFormat);
            StringBuilder out = new StringBuilder();
            while (m.find()) {
                String value = labels.get(m.group(1));
                m.appendReplacement(out, Matcher.quoteReplacement(value == null || value.isEmpty() ? m.group(1) : value));
            }
            m.appendTail(out);
            return out.toString();
        }
        Map<String, String> rest = new TreeMap<>(labels);
        String metric = rest.remove(METRIC_NAME);
        if (metric == null && rest.isEmpty()) {
            return expr;
        }
        String braces = rest.entrySet().stream().map(e -> e.getKey() + "=\"" + e.getValue() + "\"")
                .collect(Collectors.joining(", ", "{", "}"));
        return (metric == null ? "" : metric) + (rest.isEmpty() ? "" : braces);
    }
}
