package dev.fmnist.cli.commands;

import dev.fmnist.charts.dashboards.Dashboard;
import dev.fmnist.charts.dashboards.DashboardRenderer;
import dev.fmnist.charts.dashboards.DashboardRenderer.Outcome;
import dev.fmnist.charts.dashboards.DashboardRenderer.PanelResult;
import dev.fmnist.charts.dashboards.DashboardRenderer.Rendering;
import dev.fmnist.charts.dashboards.DashboardVariables;
import dev.fmnist.cli.CliException;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.FmnistCli;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.OutputOptions;
import dev.fmnist.cli.prometheus.PrometheusClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Pictures of the Grafana dashboards of deploy/grafana/dashboards without Grafana: each panel queried
 * from a real Prometheus over a time window and drawn where Grafana puts it, one PNG per dashboard.
 */
@Command(name = "dashboards", mixinStandardHelpOptions = true,
        description = {"Pictures of the Grafana dashboards from Prometheus, without Grafana.",
            "One DIR/NAME.png per dashboard, its panels on Grafana's grid: time series",
            "as line charts (one line per series, named by the legend format), stat",
            "panels as their last values, other panel types as titled boxes."},
        footer = ExitCode.HELP_FOOTER)
public final class DashboardsCommand implements Callable<Integer> {

    /** Where the dashboards are, from the repository's root. */
    static final String DEFAULT_DIR = "deploy/grafana/dashboards";
    /** Prometheus's durations: 90s, 30m, 1h30m, 2d. */
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w)");

    @Spec
    CommandSpec spec;

    @Option(names = "--prometheus", paramLabel = "URL", defaultValue = "http://127.0.0.1:9090",
            description = "Prometheus's address (default: ${DEFAULT-VALUE}, bin/up's)")
    String prometheus;

    @Option(names = "--since", paramLabel = "DURATION", defaultValue = "1h",
            description = "the window: this long before --until, such as 30m, 2h or 1h30m (default: ${DEFAULT-VALUE}, "
                    + "the dashboards' own)")
    String since;

    @Option(names = "--until", paramLabel = "TIME", defaultValue = "now",
            description = "the window's end: now, or an instant such as 2026-12-06T08:30:00Z (default: ${DEFAULT-VALUE})")
    String until;

    @Option(names = "--dashboard", paramLabel = "NAME",
            description = "a dashboard by file name without .json (training, serving, triton-compat); repeatable; "
                    + "default: every one in --dashboards-dir")
    List<String> names = new ArrayList<>();

    @Option(names = "--dashboards-dir", paramLabel = "DIR",
            description = "the dashboards' JSON files (default: " + DEFAULT_DIR + " here, else the repository's)")
    Path dashboardsDir;

    @Option(names = "--out", paramLabel = "DIR", required = true, description = "folder for the PNGs (created)")
    Path out;

    @Option(names = "--scrape-interval", paramLabel = "DURATION", defaultValue = DashboardVariables.DEFAULT_SCRAPE_INTERVAL,
            description = "Prometheus's scrape interval, for $__rate_interval (default: ${DEFAULT-VALUE}, "
                    + "deploy/prometheus/prometheus.yml's)")
    String scrapeInterval;

    @Option(names = "--experiment", paramLabel = "REGEX", defaultValue = DashboardVariables.ALL,
            description = "$experiment: the experiments to show, a regular expression as Prometheus's (RE2: no "
                    + "lookaround, no backreferences) (default: ${DEFAULT-VALUE}, all)")
    String experiment;

    @Option(names = "--timezone", paramLabel = "ZONE",
            description = "the time axes' zone, such as UTC or Europe/Paris (default: this machine's, as Grafana's "
                    + "\"browser\")")
    String timezone;

    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws IOException {
        URI url = prometheusUrl();
        Duration window = duration("--since", since);
        Instant end = instant();
        Duration scrape = duration("--scrape-interval", scrapeInterval);
        ZoneId zone = zone();
        experiment(experiment);
        List<Dashboard> dashboards = selected(dashboards());

        DashboardRenderer renderer = DashboardRenderer.builder(end.minus(window), end).optScrapeInterval(scrape)
                .optExperiment(experiment).optZone(zone).build();
        PrometheusClient client = new PrometheusClient(url);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "--out: cannot create the folder " + out + ": " + why(e), e);
        }
        List<Map<String, Object>> written = new ArrayList<>();
        PrintWriter stdout = spec.commandLine().getOut();
        for (Dashboard dashboard : dashboards) {
            Rendering rendering = renderer.render(dashboard, client);
            Path file = out.resolve(dashboard.name() + ".png");
            try {
                Files.write(file, rendering.png());
            } catch (IOException e) {
                throw new CliException(ExitCode.USAGE, "--out: cannot write " + file + ": " + why(e), e);
            }
            if (output.json()) {
                written.add(summary(file, rendering));
            } else {
                stdout.println(file + ": " + describe(rendering.panels()));
            }
        }
        if (output.json()) {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("prometheus", url.toString());
            result.put("start", end.minus(window).toString());
            result.put("end", end.toString());
            result.put("step", renderer.step().toString());
            result.put("rateInterval", renderer.variables().rateInterval().toString());
            result.put("dashboards", written);
            Json.print(stdout, result);
        }
        return ExitCode.OK;
    }

    /** What went wrong with a file, in words: the JDK's exceptions say little more than the path. */
    private static String why(IOException e) {
        if (e instanceof FileAlreadyExistsException) {
            return "a file of that name is in the way";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
    }

    /**
     * {@code --experiment}: a Java regular expression that Prometheus's RE2 also takes: no lookaround, no
     * backreferences, no atomic groups (RE2 refuses them, so every query of the dashboards would fail).
     */
    static void experiment(String regex) {
        try {
            Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new CliException(ExitCode.USAGE, "--experiment: not a regular expression: " + e.getDescription());
        }
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char next = regex.charAt(++i);
                if ((next >= '1' && next <= '9') || next == 'k') {
                    throw new CliException(ExitCode.USAGE, "--experiment: backreferences (\\" + next
                            + ") are not in Prometheus's regular expressions (RE2), got '" + regex + "'");
                }
            } else if (c == '(' && regex.startsWith("(?", i)) {
                for (String group : List.of("(?=", "(?!", "(?<=", "(?<!", "(?>")) {
                    if (regex.startsWith(group, i)) {
                        throw new CliException(ExitCode.USAGE, "--experiment: " + group + "...) (lookaround or atomic "
                                + "group) is not in Prometheus's regular expressions (RE2), got '" + regex + "'");
                    }
                }
            }
        }
    }

    private URI prometheusUrl() {
        try {
            URI url = new URI(prometheus);
            if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null
                    || url.getQuery() != null || url.getFragment() != null) {
                throw new URISyntaxException(prometheus, "expected http(s)://HOST:PORT");
            }
            return url;
        } catch (URISyntaxException e) {
            throw new CliException(ExitCode.USAGE, "--prometheus: expected an address such as http://127.0.0.1:9090, "
                    + "got '" + prometheus + "'");
        }
    }

    /** A Prometheus duration (30m, 1h30m, 90s): positive, at most a year. */
    static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text);
        Duration total = Duration.ZERO;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                n = Long.MAX_VALUE;
            }
            if (n > 1_000_000) {
                throw new CliException(ExitCode.USAGE, option + ": '" + text + "' is too long a time");
            }
            total = total.plus(switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> Duration.ofDays(7 * n);
            });
            at = m.end();
        }
        if (at == 0 || at != text.length()) {
            throw new CliException(ExitCode.USAGE, option + ": expected a duration such as 30m, 2h, 1h30m or 90s, got '"
                    + text + "'");
        }
        if (total.isZero() || total.compareTo(Duration.ofDays(366)) > 0) {
            throw new CliException(ExitCode.USAGE, option + ": expected more than 0 and at most a year, got '" + text + "'");
        }
        return total;
    }

    private Instant instant() {
        if ("now".equals(until)) {
            return Instant.now();
        }
        try {
            return Instant.parse(until);
        } catch (DateTimeException e) {
            throw new CliException(ExitCode.USAGE, "--until: expected now or an instant such as 2026-12-06T08:30:00Z, got '"
                    + until + "'");
        }
    }

    private ZoneId zone() {
        if (timezone == null) {
            return ZoneId.systemDefault();
        }
        try {
            return ZoneId.of(timezone);
        } catch (DateTimeException e) {
            throw new CliException(ExitCode.USAGE, "--timezone: no such time zone '" + timezone + "' (UTC, Europe/Paris, ...)");
        }
    }

    private List<Dashboard> dashboards() {
        Path dir = dashboardsDir != null ? dashboardsDir : defaultDir();
        if (!Files.isDirectory(dir)) {
            throw new CliException(ExitCode.USAGE, "--dashboards-dir: no such folder: " + dir
                    + (dashboardsDir == null ? " (run from the repository's root, or name the folder)" : ""));
        }
        List<Dashboard> all;
        try {
            all = Dashboard.readAll(dir);
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "--dashboards-dir: cannot read the dashboards of " + dir + ": "
                    + e.getMessage(), e);
        }
        if (all.isEmpty()) {
            throw new CliException(ExitCode.USAGE, "--dashboards-dir: no *.json dashboards in " + dir);
        }
        return all;
    }

    /** deploy/grafana/dashboards of the working directory, else of the repository the CLI's jar was built in. */
    private static Path defaultDir() {
        Path here = Path.of(DEFAULT_DIR);
        if (Files.isDirectory(here)) {
            return here;
        }
        CodeSource source = FmnistCli.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return here;
        }
        try {
            // fmnist-cli/target/fmnist-cli.jar (or fmnist-cli/target/classes): the repository holds fmnist-cli
            Path repo = Path.of(source.getLocation().toURI()).toAbsolutePath();
            for (int up = 0; up < 3 && repo != null; up++) {
                repo = repo.getParent();
            }
            if (repo != null && Files.isDirectory(repo.resolve(DEFAULT_DIR))) {
                return repo.resolve(DEFAULT_DIR);
            }
        } catch (URISyntaxException | IllegalArgumentException e) {
            // not a file on disk: the working directory's answer stands
        }
        return here;
    }

    private List<Dashboard> selected(List<Dashboard> all) {
        if (names.isEmpty()) {
            return all;
        }
        Map<String, Dashboard> byName = all.stream().collect(Collectors.toMap(Dashboard::name, d -> d,
                (a, b) -> a, LinkedHashMap::new));
        List<Dashboard> chosen = new ArrayList<>();
        for (String name : names) {
            Dashboard d = byName.get(name.endsWith(".json") ? name.substring(0, name.length() - 5) : name);
            if (d == null) {
                throw new CliException(ExitCode.USAGE, "--dashboard: no dashboard '" + name + "'; there are: "
                        + String.join(", ", byName.keySet()));
            }
            if (!chosen.contains(d)) {
                chosen.add(d);
            }
        }
        return chosen;
    }

    /** "12 panels: 10 drawn, 1 no data (Queue depth), 1 not drawn (table)". */
    static String describe(List<PanelResult> panels) {
        StringBuilder text = new StringBuilder(panels.size() + " panels: "
                + panels.stream().filter(p -> p.outcome() == Outcome.DRAWN).count() + " drawn");
        List<PanelResult> empty = panels.stream().filter(p -> p.outcome() == Outcome.NO_DATA).toList();
        if (!empty.isEmpty()) {
            text.append(", ").append(empty.size()).append(" no data (")
                    .append(empty.stream().map(PanelResult::title).collect(Collectors.joining("; "))).append(")");
        }
        List<PanelResult> other = panels.stream().filter(p -> p.outcome() == Outcome.NOT_DRAWN).toList();
        if (!other.isEmpty()) {
            // a panel type not drawn is named by its type; a drawable panel by its title and why
            text.append(", ").append(other.size()).append(" not drawn (")
                    .append(other.stream().map(p -> List.of("timeseries", "stat").contains(p.type())
                            ? p.title() + ": " + p.reason() : p.type()).distinct().collect(Collectors.joining("; ")))
                    .append(")");
        }
        return text.toString();
    }

    private static Map<String, Object> summary(Path file, Rendering rendering) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("dashboard", rendering.dashboard());
        d.put("file", file.toString());
        d.put("width", rendering.width());
        d.put("height", rendering.height());
        List<Map<String, Object>> panels = new ArrayList<>();
        for (PanelResult p : rendering.panels()) {
            Map<String, Object> panel = new LinkedHashMap<>();
            panel.put("title", p.title());
            panel.put("type", p.type());
            panel.put("outcome", p.outcome().name());
            panel.put("series", p.series());
            panel.put("names", p.names());
            if (!p.reason().isEmpty()) {
                panel.put("reason", p.reason());
            }
            panels.add(panel);
        }
        d.put("panels", panels);
        return d;
    }
}
