package dev.fmnist.system;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.fmnist.cli.output.Json;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.kafka.Headers;
import dev.fmnist.proto.v1.ModelInfo;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a chaos soak saw, checked: the invariants (each with its evidence when broken) and the counts
 * (faults by kind and their recovery, experiments, ends by type, take-overs, RESUMED events, epochs run
 * twice, the steady load's calls), written as JSON and as a Markdown table.
 */
final class ChaosReport {

    /** A probe that started this long before a replica went down may fail because of it: its gRPC deadline. */
    private static final long PROBE_DEADLINE_MS = 5_000;

    private final Map<String, Object> json = new LinkedHashMap<>();
    private final Map<String, String> breaches = new LinkedHashMap<>();
    private final Map<String, Boolean> invariants = new LinkedHashMap<>();
    private final Map<ChaosFault, Integer> faultCounts = new EnumMap<>(ChaosFault.class);
    private final StringBuilder markdown = new StringBuilder();

    private ChaosReport() {}

    /** Every experiment the soak expects an end of: what it submitted, and every child of its sweeps it knows of. */
    static Set<String> expectedIds(List<ChaosSoak.Submission> submissions, ChaosObserver observer) {
        Set<String> ids = new LinkedHashSet<>();
        for (ChaosSoak.Submission s : submissions) {
            ids.add(s.id());
            if (s.kind().equals("sweep")) {
                ids.addAll(children(s.id(), observer));
            }
        }
        return ids;
    }

    private static Set<String> children(String sweepId, ChaosObserver observer) {
        Set<String> children = new LinkedHashSet<>();
        observer.state(sweepId).ifPresent(s -> children.addAll(s.childIds()));
        observer.events().stream().filter(s -> s.event() != null && sweepId.equals(s.event().subject().parentId()))
                .forEach(s -> children.add(s.experimentId()));
        return children;
    }

    static ChaosReport of(ChaosSoak.Settings settings, String prefix, long beganMs, long endedMs, boolean drained,
            List<ChaosSoak.Submission> submissions, List<ChaosSoak.Fault> faults, ChaosObserver observer,
            List<ConsumerRecord<String, byte[]>> models, Optional<ModelInfo> served, Map<String, Boolean> up,
            List<ChaosSoak.Probe> probes, Map<String, Integer> garbage, List<String> log) {
        ChaosReport r = new ChaosReport();
        List<ChaosObserver.Seen> events = observer.events();
        Set<String> expected = expectedIds(submissions, observer);
        Set<String> sweeps = submissions.stream().filter(s -> s.kind().equals("sweep")).map(ChaosSoak.Submission::id)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        Map<String, List<ChaosObserver.Seen>> byId = events.stream()
                .collect(Collectors.groupingBy(ChaosObserver.Seen::experimentId, LinkedHashMap::new, Collectors.toList()));

        r.json.put("seed", settings.seed());
        r.json.put("prefix", prefix);
        r.json.put("startedAt", Instant.ofEpochMilli(beganMs).toString());
        r.json.put("minutes", Math.round((endedMs - beganMs) / 600.0) / 100.0);
        r.json.put("soakMinutes", settings.duration().toSeconds() / 60.0);
        r.json.put("trainers", settings.trainers());
        r.json.put("drained", drained);
        r.json.put("logs", ChaosSoak.logs().toString());

        // ---- ends: exactly once ----
        Map<String, List<Terminal>> ends = new LinkedHashMap<>();
        for (String id : expected) {
            ends.put(id, byId.getOrDefault(id, List.of()).stream().map(ChaosObserver.Seen::event)
                    .filter(e -> e instanceof Terminal).map(e -> (Terminal) e).toList());
        }
        List<String> lost = ends.entrySet().stream().filter(e -> e.getValue().isEmpty()).map(Map.Entry::getKey).toList();
        Map<String, String> duplicated = new TreeMap<>();
        ends.forEach((id, list) -> {
            if (list.size() > 1) {
                duplicated.put(id, list.stream().map(t -> t.type() + (t.reason() == null ? "" : " (" + t.reason() + ")"))
                        .collect(Collectors.joining(", ")));
            }
        });
        Map<String, Integer> endsByType = new TreeMap<>();
        ends.values().forEach(list -> list.forEach(t -> endsByType.merge(t.type().name(), 1, Integer::sum)));
        r.check("every experiment ended exactly once", lost.isEmpty() && duplicated.isEmpty(),
                "no end: " + describe(lost, observer) + "; more than one end: " + duplicated);

        // ---- artefacts: one per SUCCEEDED run, none for the others ----
        Map<String, Integer> artefacts = new TreeMap<>();
        int garbageOnModels = 0;
        ConsumerRecord<String, byte[]> newest = ChaosSoak.newestMlp(models);
        for (ConsumerRecord<String, byte[]> record : models) {
            if (record.headers().lastHeader(ChaosForger.GARBAGE_HEADER) != null) {
                garbageOnModels++;
                continue;
            }
            artefacts.merge(ChaosSoak.text(record.headers().lastHeader(Headers.EXPERIMENT_ID)), 1, Integer::sum);
        }
        List<String> artefactProblems = new ArrayList<>();
        for (Map.Entry<String, List<Terminal>> e : ends.entrySet()) {
            boolean sweep = sweeps.contains(e.getKey());
            boolean succeeded = e.getValue().stream().anyMatch(t -> t.type() == Type.SUCCEEDED);
            int want = succeeded && !sweep ? 1 : 0;
            int got = artefacts.getOrDefault(e.getKey(), 0);
            if (got != want) {
                artefactProblems.add(e.getKey() + " (" + (e.getValue().isEmpty() ? "no end" : e.getValue().get(0).type())
                        + "): " + got + " artefacts");
            }
        }
        artefacts.keySet().stream().filter(id -> !expected.contains(id))
                .forEach(id -> artefactProblems.add(id + ": an artefact of an experiment nobody submitted"));
        r.check("one artefact per SUCCEEDED run, none for the others", artefactProblems.isEmpty(),
                String.join("; ", artefactProblems));

        // ---- one summary per sweep ----
        List<String> summaryProblems = new ArrayList<>();
        for (String sweep : sweeps) {
            long n = byId.getOrDefault(sweep, List.of()).stream().filter(s -> Type.SWEEP_SUMMARY.name().equals(s.type()))
                    .count();
            if (n != 1) {
                summaryProblems.add(sweep + ": " + n + " summaries");
            }
        }
        r.check("one summary per sweep", summaryProblems.isEmpty(), String.join("; ", summaryProblems));

        // ---- nothing left running ----
        List<String> unfinished = expected.stream().filter(id -> observer.state(id).map(s -> !s.isEnded()).orElse(true))
                .map(id -> id + " (" + observer.state(id).map(s -> s.status() + " held by " + s.worker()).orElse("no state")
                        + ")").toList();
        r.check("nothing left queued or running on the state topic", unfinished.isEmpty(), String.join("; ", unfinished));

        // ---- serving follows the newest artefact (the soak pins nothing) ----
        Map<String, Object> serving = new LinkedHashMap<>();
        if (newest == null) {
            serving.put("newest", null);
            r.check("serving's model is the newest artefact", true, "no mlp artefact was published");
        } else {
            String version = ChaosSoak.text(newest.headers().lastHeader(Headers.VERSION));
            String experiment = ChaosSoak.text(newest.headers().lastHeader(Headers.EXPERIMENT_ID));
            serving.put("newest", Map.of("experimentId", experiment, "version", version, "offset", newest.offset()));
            serving.put("served", served.map(m -> Map.of("experimentId", m.getExperimentId(), "version", m.getVersion()))
                    .orElse(null));
            boolean follows = served.map(m -> m.getVersion().equals(version) && m.getExperimentId().equals(experiment))
                    .orElse(false);
            r.check("serving's model is the newest artefact", follows, "newest mlp on the topic " + experiment + " "
                    + version + "; served " + served.map(m -> m.getExperimentId() + " " + m.getVersion())
                            .orElse("nothing (no answer)"));
        }

        // ---- every fault injected, and what it hit came back ----
        List<String> failedFaults = faults.stream().filter(f -> f.note().startsWith("failed:"))
                .map(f -> f.kind() + " at " + Instant.ofEpochMilli(f.startMs()) + ": " + f.note()).toList();
        r.check("every fault injected and what it hit came back", failedFaults.isEmpty(), String.join("; ", failedFaults));

        // ---- every service up ----
        r.check("every service still up", up.values().stream().allMatch(Boolean::booleanValue), "up: " + up);

        // ---- the steady inference load ----
        List<long[]> down = faults.stream().filter(f -> f.kind() == ChaosFault.INFERENCE_RESTART)
                .map(f -> new long[] {f.startMs() - PROBE_DEADLINE_MS, f.endMs()}).toList();
        long firstOk = probes.stream().filter(ChaosSoak.Probe::ok).mapToLong(ChaosSoak.Probe::atMs).min().orElse(Long.MAX_VALUE);
        int failedDown = 0;
        int failedBefore = 0;
        List<String> failedOutside = new ArrayList<>();
        for (ChaosSoak.Probe p : probes) {
            if (p.ok()) {
                continue;
            }
            if (p.atMs() < firstOk) {
                failedBefore++;
            } else if (down.stream().anyMatch(w -> p.atMs() >= w[0] && p.atMs() <= w[1])) {
                failedDown++;
            } else {
                failedOutside.add(Instant.ofEpochMilli(p.atMs()) + " " + p.error());
            }
        }
        Map<String, Object> load = new LinkedHashMap<>();
        load.put("calls", probes.size());
        load.put("ok", probes.stream().filter(ChaosSoak.Probe::ok).count());
        load.put("failedBeforeFirstModel", failedBefore);
        load.put("failedWhileReplicaDown", failedDown);
        load.put("failedOutsideKillWindows", failedOutside.size());
        load.put("failuresOutside", failedOutside.stream().limit(20).toList());
        r.check("no good inference call failed outside the replica's kill windows", failedOutside.isEmpty(),
                failedOutside.size() + " failed: " + failedOutside.stream().limit(5).toList());

        // ---- counts: work lost ----
        int takeOvers = 0;
        int restarts = 0;
        int epochsRerun = 0;
        Map<String, String> rerunBy = new TreeMap<>();
        for (String id : expected) {
            List<ChaosObserver.Seen> seen = byId.getOrDefault(id, List.of());
            List<String> workers = seen.stream().filter(s -> s.event() instanceof Running).map(s -> ((Running) s.event()).worker())
                    .toList();
            restarts += Math.max(0, workers.size() - 1);
            takeOvers += Math.max(0, (int) workers.stream().distinct().count() - 1);
            Map<Integer, Long> epochs = seen.stream().filter(s -> s.event() instanceof ExperimentEvent.Epoch)
                    .collect(Collectors.groupingBy(s -> ((ExperimentEvent.Epoch) s.event()).epoch(), Collectors.counting()));
            int rerun = epochs.values().stream().mapToInt(n -> (int) (n - 1)).sum();
            epochsRerun += rerun;
            if (rerun > 0) { // which epochs ran twice, and who ran each run (RUNNING, RESUMED), in order
                rerunBy.put(id, "epochs " + new TreeMap<>(epochs) + "; " + seen.stream()
                        .filter(s -> s.event() instanceof Running || ChaosObserver.RESUMED.equals(s.type()))
                        .map(s -> s.event() instanceof Running running ? "RUNNING on " + running.worker() : s.type())
                        .collect(Collectors.joining(", ")));
            }
        }
        long resumed = events.stream().filter(s -> ChaosObserver.RESUMED.equals(s.type())).count();

        // ---- faults, with their recovery ----
        List<Map<String, Object>> faultLog = new ArrayList<>();
        Map<ChaosFault, Long> maxRecovery = new EnumMap<>(ChaosFault.class);
        List<Map<String, Object>> forgedEnds = new ArrayList<>();
        for (ChaosSoak.Fault f : faults) {
            if (f.held() != null || f.kind() != ChaosFault.FORGED_END) { // a forged end with nothing running was skipped
                r.faultCounts.merge(f.kind(), 1, Integer::sum);
            }
            Long recovery = f.recoveryMs() != null ? f.recoveryMs() : recoveredAfter(f, events);
            if (recovery != null) {
                maxRecovery.merge(f.kind(), recovery, Math::max);
            }
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("kind", f.kind().name());
            entry.put("at", Instant.ofEpochMilli(f.startMs()).toString());
            entry.put("target", f.target());
            entry.put("experiment", f.held());
            entry.put("recoverySeconds", recovery == null ? null : recovery / 1000.0);
            entry.put("note", f.note());
            faultLog.add(entry);
            if (f.kind() == ChaosFault.FORGED_END && f.held() != null) {
                Map<String, Object> forged = new LinkedHashMap<>();
                forged.put("experimentId", f.held());
                forged.put("forgery", f.note());
                forged.put("ends", ends.getOrDefault(f.held(), List.of()).stream()
                        .map(t -> t.type() + (t.reason() == null ? "" : ": " + t.reason())).toList());
                forgedEnds.add(forged);
            }
        }
        Map<String, Map<String, Object>> faultsByKind = new LinkedHashMap<>();
        for (ChaosFault kind : ChaosFault.values()) {
            Map<String, Object> k = new LinkedHashMap<>();
            k.put("count", r.faultCounts.getOrDefault(kind, 0));
            k.put("maxRecoverySeconds", maxRecovery.containsKey(kind) ? maxRecovery.get(kind) / 1000.0 : null);
            faultsByKind.put(kind.name(), k);
        }

        Map<String, Object> experiments = new LinkedHashMap<>();
        experiments.put("runs", submissions.stream().filter(s -> s.kind().equals("run")).count());
        experiments.put("sweeps", sweeps.size());
        experiments.put("children", expected.size() - submissions.size());
        experiments.put("forgedClaimRuns", submissions.stream().filter(s -> s.kind().startsWith("forged")).count());
        experiments.put("expectedEnds", expected.size());

        r.json.put("invariants", r.invariantsJson());
        r.json.put("faults", faultsByKind);
        r.json.put("experiments", experiments);
        r.json.put("ends", endsByType);
        r.json.put("lost", lost);
        r.json.put("duplicated", duplicated);
        r.json.put("takeOvers", takeOvers);
        r.json.put("restarts", restarts);
        r.json.put("resumedEvents", resumed);
        r.json.put("epochsRerun", epochsRerun);
        r.json.put("epochsRerunBy", rerunBy);
        r.json.put("forgedEnds", forgedEnds);
        r.json.put("artefacts", Map.of("published", artefacts.values().stream().mapToInt(Integer::intValue).sum(),
                "soakGarbageOnTopic", garbageOnModels));
        r.json.put("serving", serving);
        r.json.put("services", up);
        r.json.put("inferenceLoad", load);
        r.json.put("garbageWritten", garbage);
        r.json.put("stateRecordsTheFoldRefused", observer.refusedStateRecords());
        r.json.put("unreadableEvents", observer.unreadableEvents());
        r.json.put("faultLog", faultLog);
        r.json.put("log", log);
        r.markdown(faultsByKind, faultLog, experiments, endsByType, takeOvers, restarts, resumed, epochsRerun, load);
        return r;
    }

    /**
     * When a fault measured from the events was recovered from: a killed or paused trainer's run running
     * again (RUNNING or RESUMED, by another trainer for a pause) or ended; a forged claim's run running;
     * a forged end answered by a terminal event. Null when it never was, or there is nothing to measure.
     */
    private static Long recoveredAfter(ChaosSoak.Fault f, List<ChaosObserver.Seen> events) {
        if (f.held() == null) {
            return null;
        }
        return events.stream().filter(s -> s.seenAtMs() >= f.startMs() && f.held().equals(s.experimentId()))
                .filter(s -> switch (f.kind()) {
                    case TRAINER_KILL -> isEnd(s) || ChaosObserver.RESUMED.equals(s.type()) || s.event() instanceof Running;
                    case TRAINER_PAUSE -> isEnd(s) || ChaosObserver.RESUMED.equals(s.type())
                            || s.event() instanceof Running running && !running.worker().equals(f.target());
                    case FORGED_CLAIM -> isEnd(s) || s.event() instanceof Running;
                    case FORGED_END -> isEnd(s);
                    default -> false;
                }).findFirst().map(s -> s.seenAtMs() - f.startMs()).orElse(null);
    }

    private static boolean isEnd(ChaosObserver.Seen s) {
        return s.event() != null && s.event().type().isTerminal();
    }

    private static String describe(List<String> ids, ChaosObserver observer) {
        return ids.stream().map(id -> id + observer.state(id).map(s -> " (state " + s.status() + ", worker " + s.worker()
                + ", attempt " + s.attempt() + (s.reason() == null ? "" : ", " + s.reason()) + ")").orElse(" (no state)"))
                .toList().toString();
    }

    private void check(String invariant, boolean ok, String evidence) {
        if (!ok) {
            breaches.put(invariant, evidence);
        }
        invariants.put(invariant, ok);
    }

    private Map<String, Object> invariantsJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        invariants.forEach((name, ok) -> out.put(name, ok ? "held" : "BROKEN: " + breaches.get(name)));
        return out;
    }

    /** The invariants broken, each with its evidence; empty when all held. */
    Map<String, String> breaches() {
        return breaches;
    }

    /** How many faults of each kind were injected (skipped ones included, with their note in the log). */
    Map<ChaosFault, Integer> faultCounts() {
        return faultCounts;
    }

    String markdown() {
        return markdown.toString();
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("chaos-report.json"),
                Json.MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json) + "\n",
                StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("chaos-report.md"), markdown, StandardCharsets.UTF_8);
        System.out.println(markdown);
        System.out.println("chaos: report written to " + dir.toAbsolutePath());
    }

    private void markdown(Map<String, Map<String, Object>> faults, List<Map<String, Object>> faultLog,
            Map<String, Object> experiments, Map<String, Integer> ends, int takeOvers, int restarts, long resumed,
            int epochsRerun, Map<String, Object> load) {
        StringBuilder m = markdown;
        m.append("## Chaos soak: seed ").append(json.get("seed")).append(", ").append(json.get("minutes"))
                .append(" minutes in all, ").append(json.get("trainers")).append(" trainers, ")
                .append(json.get("drained").equals(true) ? "drained" : "NOT drained within the bound").append("\n\n");
        m.append("| invariant | |\n| --- | --- |\n");
        invariants.forEach((name, ok) -> m.append("| ").append(name).append(" | ")
                .append(ok ? "held" : "**BROKEN**: " + cell(breaches.get(name))).append(" |\n"));
        m.append("\n| fault | injected | longest recovery (s) |\n| --- | --- | --- |\n");
        faults.forEach((kind, k) -> {
            m.append("| ").append(kind).append(" | ").append(k.get("count")).append(" | ")
                    .append(k.get("maxRecoverySeconds") == null ? "-" : k.get("maxRecoverySeconds")).append(" |\n");
        });
        m.append("\n| count | |\n| --- | --- |\n");
        experiments.forEach((k, v) -> m.append("| experiments: ").append(k).append(" | ").append(v).append(" |\n"));
        ends.forEach((k, v) -> m.append("| ends: ").append(k).append(" | ").append(v).append(" |\n"));
        m.append("| lost (no end) | ").append(((List<?>) json.get("lost")).size()).append(" |\n");
        m.append("| duplicated (more than one end) | ").append(((Map<?, ?>) json.get("duplicated")).size()).append(" |\n");
        m.append("| take-overs (RUNNING by another trainer) | ").append(takeOvers).append(" |\n");
        m.append("| restarts (RUNNING again, any trainer) | ").append(restarts).append(" |\n");
        m.append("| RESUMED events | ").append(resumed).append(" |\n");
        m.append("| epochs run twice (work lost) | ").append(epochsRerun).append(" |\n");
        m.append("| runs with epochs run twice: epoch=times; who ran them | ")
                .append(cell(String.valueOf(json.get("epochsRerunBy")))).append(" |\n");
        m.append("| forged ends and the terminal events they got | ").append(cell(String.valueOf(json.get("forgedEnds"))))
                .append(" |\n");
        load.forEach((k, v) -> {
            if (!k.equals("failuresOutside")) {
                m.append("| classify calls: ").append(k).append(" | ").append(v).append(" |\n");
            }
        });
        m.append("| garbage records written | ").append(cell(String.valueOf(json.get("garbageWritten")))).append(" |\n");
        m.append("| state records the contract's fold refused | ").append(json.get("stateRecordsTheFoldRefused"))
                .append(" |\n");
        m.append("\nFaults in order:\n\n| at | fault | target | experiment | recovery (s) | what happened |\n"
                + "| --- | --- | --- | --- | --- | --- |\n");
        for (Map<String, Object> f : faultLog) {
            m.append("| ").append(f.get("at")).append(" | ").append(f.get("kind")).append(" | ").append(cell(String.valueOf(f.get("target"))))
                    .append(" | ").append(f.get("experiment") == null ? "-" : f.get("experiment")).append(" | ")
                    .append(f.get("recoverySeconds") == null ? "-" : f.get("recoverySeconds")).append(" | ")
                    .append(cell(String.valueOf(f.get("note")))).append(" |\n");
        }
    }

    private static String cell(String text) {
        return text == null ? "" : text.replace("|", "\\|").replace("\n", " ");
    }
}
