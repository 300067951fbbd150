package dev.fmnist.inference.live;

import dev.fmnist.contract.artefacts.ModelManifest;
import dev.fmnist.contract.kafka.Topic;
import dev.fmnist.contract.predictions.LiveStats;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.serving.ModelRepository;
import dev.fmnist.inference.serving.ModelSlot;
import dev.fmnist.inference.serving.PublishedVersions;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * The live-accuracy meters: gauges per model version from the {@link LiveStatsView}, for the versions
 * published for the models this replica serves (the newest {@value #VERSIONS_PER_MODEL} of each, and
 * the champion and challenger whatever their age), so the series stay bounded whatever is written to
 * the topics; and the count of records the processor refused. Names are read by the serving dashboard
 * and the alert rules ({@code deploy/}).
 */
@ApplicationScoped
public class LiveMetrics {

    static final String ACCURACY = "fmnist.live.accuracy";
    static final String ACCURACY_RECENT = "fmnist.live.accuracy.recent";
    static final String LABELLED = "fmnist.live.labelled";
    static final String PREDICTIONS = "fmnist.live.predictions";
    static final String AGREEMENT = "fmnist.live.agreement";
    static final String DRIFT = "fmnist.live.drift";
    static final String FLOOR = "fmnist.live.accuracy.floor";
    /** 1 per model for its champion, its challenger and the champion before it: what the alerts compare. */
    static final String VERSION_ROLE = "fmnist.live.version.role";
    static final String REFUSED = "fmnist.live.records.refused";
    /** Versions per model with series at most: the last ones published (a slot keeps 16 previous too). */
    static final int VERSIONS_PER_MODEL = 16;

    private static final Logger LOG = Logger.getLogger(LiveMetrics.class);

    private final MeterRegistry registry;
    private final InferenceConfig config;
    private final ModelRepository repository;
    private final MultiGauge accuracy;
    private final MultiGauge recent;
    private final MultiGauge labelled;
    private final MultiGauge predictions;
    private final MultiGauge agreement;
    private final MultiGauge drift;
    private final MultiGauge roles;
    private final Map<List<String>, Counter> refused = new ConcurrentHashMap<>();
    private final Map<List<String>, AtomicLong> refusedLogged = new ConcurrentHashMap<>();

    @Inject
    public LiveMetrics(MeterRegistry registry, InferenceConfig config, ModelRepository repository) {
        this.registry = registry;
        this.config = config;
        this.repository = repository;
        accuracy = MultiGauge.builder(ACCURACY).description("Share of a version's labelled answers that were right, "
                + "since the live-accuracy topic began (NaN: none labelled)").register(registry);
        recent = MultiGauge.builder(ACCURACY_RECENT).description("Share right over a version's last <window> "
                + "labelled answers").register(registry);
        labelled = MultiGauge.builder(LABELLED).description("A version's answers that got a feedback label")
                .register(registry);
        predictions = MultiGauge.builder(PREDICTIONS).description("Answers a version gave clients (role served: "
                + "as champion or canary) or computed in shadow").register(registry);
        agreement = MultiGauge.builder(AGREEMENT).description("Share of a challenger's shadow answers that agreed "
                + "with the version that answered the client (compared_with)").register(registry);
        drift = MultiGauge.builder(DRIFT).description("Total variation distance between a version's predicted "
                + "classes on live traffic and on the test set (0: same distribution, 1: disjoint)").register(registry);
        roles = MultiGauge.builder(VERSION_ROLE).description("1 for each served model's champion, challenger and "
                + "previous champion (role)").register(registry);
        if (config.live().enabled()) {
            Gauge.builder(FLOOR, config.live(), live -> live.accuracyFloor()).description("The live accuracy below "
                    + "which FmnistLiveAccuracyLow fires (fmnist.live.accuracy-floor)").register(registry);
        }
    }

    /** Counts a record the processor did not count: {@code topic} named by its suffix, so the tags stay bounded. */
    public void refused(String prefix, String topic, String reason, String detail) {
        String suffix = topicTag(prefix, topic);
        List<String> key = List.of(suffix, reason);
        refused.computeIfAbsent(key, k -> Counter.builder(REFUSED).tags("topic", suffix, "reason", reason)
                .description("Records on the prediction log, the feedback or the live-accuracy topic the live-accuracy "
                        + "processor refused (invalid), did not count again (repeat) or failed on (failed)")
                .register(registry)).increment();
        long n = refusedLogged.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
        if (Long.bitCount(n) == 1) { // the 1st, 2nd, 4th, 8th ...: garbage in bulk cannot flood the log
            LOG.warnf("live accuracy: %s record on %s not counted (%d so far): %s", reason, suffix, n, detail);
        }
    }

    static String topicTag(String prefix, String topic) {
        for (Topic t : List.of(Topic.PREDICTIONS, Topic.FEEDBACK, Topic.LIVE_ACCURACY)) {
            if (topic.equals(t.suffix()) || topic.equals(t.name(prefix))) {
                return t.suffix();
            }
        }
        return topic.startsWith(LiveAccuracyStreams.applicationId(prefix)) ? "internal" : "other";
    }

    /** Registers the rows of every version worth a series now; called periodically and after each change seen. */
    public void refresh(LiveStatsView view) {
        int window = config.policy().lastLabelled();
        String windowTag = Integer.toString(window);
        List<MultiGauge.Row<?>> accuracyRows = new ArrayList<>();
        List<MultiGauge.Row<?>> recentRows = new ArrayList<>();
        List<MultiGauge.Row<?>> labelledRows = new ArrayList<>();
        List<MultiGauge.Row<?>> predictionRows = new ArrayList<>();
        List<MultiGauge.Row<?>> agreementRows = new ArrayList<>();
        List<MultiGauge.Row<?>> driftRows = new ArrayList<>();
        List<MultiGauge.Row<?>> roleRows = new ArrayList<>();
        for (ModelSlot slot : repository.all()) {
            String model = slot.name();
            Map<String, Optional<ModelManifest>> versions = versionsOf(slot);
            roleRows.addAll(roleRows(slot));
            versions.forEach((version, manifest) -> view.get(model, version).ifPresent(stats -> {
                Tags tags = Tags.of("model", model, "version", version);
                accuracyRows.add(MultiGauge.Row.of(tags, view, v -> current(v, model, version, stats).accuracy()));
                recentRows.add(MultiGauge.Row.of(tags.and("window", windowTag), view,
                        v -> current(v, model, version, stats).recentAccuracy(window)));
                labelledRows.add(MultiGauge.Row.of(tags, view, v -> current(v, model, version, stats).labelled()));
                predictionRows.add(MultiGauge.Row.of(tags.and("role", "served"), view,
                        v -> current(v, model, version, stats).predictions()));
                predictionRows.add(MultiGauge.Row.of(tags.and("role", "shadow"), view,
                        v -> current(v, model, version, stats).shadowPredictions()));
                if (stats.comparedWith() != null) {
                    agreementRows.add(MultiGauge.Row.of(tags.and("compared_with", stats.comparedWith()), view,
                            v -> current(v, model, version, stats).agreement()));
                }
                manifest.map(ModelManifest::testPredicted).filter(counts -> counts != null).ifPresent(expected ->
                        driftRows.add(MultiGauge.Row.of(tags, view,
                                v -> current(v, model, version, stats).driftFrom(expected))));
            }));
        }
        // rows already there are kept as they are (each reads the view at every scrape); rows gone are removed
        accuracy.register(accuracyRows, false);
        recent.register(recentRows, false);
        labelled.register(labelledRows, false);
        predictions.register(predictionRows, false);
        agreement.register(agreementRows, false);
        drift.register(driftRows, false);
        roles.register(roleRows, false);
    }

    /** The statistics now (a gauge is read long after its row was made), or those the row was made with. */
    private static LiveStats current(LiveStatsView view, String model, String version, LiveStats fallback) {
        return view.get(model, version).orElse(fallback);
    }

    /**
     * The versions of {@code slot} with series: its champion and challenger (with their manifests, for
     * the drift) and the newest published ones (without: a replica holds only what it serves).
     */
    static Map<String, Optional<ModelManifest>> versionsOf(ModelSlot slot) {
        Map<String, Optional<ModelManifest>> versions = new LinkedHashMap<>();
        slot.manifest().ifPresent(m -> versions.put(m.version(), Optional.of(m)));
        slot.challenger().ifPresent(c -> versions.put(c.version(), c.manifest()));
        Set<String> more = new LinkedHashSet<>();
        slot.previousVersions().stream().limit(VERSIONS_PER_MODEL).forEach(more::add);
        slot.published().newestFirst().stream().limit(VERSIONS_PER_MODEL).map(PublishedVersions.Entry::version)
                .forEach(more::add);
        for (String version : more) {
            if (versions.size() >= VERSIONS_PER_MODEL + 2) {
                break;
            }
            versions.putIfAbsent(version, Optional.empty());
        }
        return versions;
    }

    private static List<MultiGauge.Row<?>> roleRows(ModelSlot slot) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        String model = slot.name();
        slot.manifest().ifPresent(m -> rows.add(MultiGauge.Row.of(Tags.of("model", model, "version", m.version(),
                "role", "champion"), 1)));
        slot.challenger().ifPresent(c -> rows.add(MultiGauge.Row.of(Tags.of("model", model, "version", c.version(),
                "role", "challenger"), 1)));
        slot.previousVersions().stream().findFirst().ifPresent(v -> rows.add(MultiGauge.Row.of(Tags.of("model", model,
                "version", v, "role", "previous"), 1)));
        return rows;
    }
}
