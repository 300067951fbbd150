package dev.fmnist.cli.commands;

import dev.fmnist.cli.ExitCode;
import dev.fmnist.cli.history.CurrentStates;
import dev.fmnist.cli.history.ExperimentHistory;
import dev.fmnist.cli.history.ExperimentRecord;
import dev.fmnist.cli.kafka.Broker;
import dev.fmnist.cli.output.Formats;
import dev.fmnist.cli.output.SweepTable;
import dev.fmnist.cli.output.Json;
import dev.fmnist.cli.output.Table;
import dev.fmnist.contract.experiments.ExperimentEvent;
import dev.fmnist.contract.experiments.ExperimentEvent.Progress;
import dev.fmnist.contract.experiments.ExperimentEvent.Resumed;
import dev.fmnist.contract.experiments.ExperimentEvent.Running;
import dev.fmnist.contract.experiments.ExperimentEvent.Succeeded;
import dev.fmnist.contract.experiments.ExperimentEvent.SweepSummary;
import dev.fmnist.contract.experiments.ExperimentEvent.Terminal;
import dev.fmnist.contract.experiments.ExperimentEvent.Type;
import dev.fmnist.contract.experiments.ExperimentState;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Follows one experiment (and, for a sweep, its runs) on the events topic from the beginning, so a
 * finished one is replayed, until its terminal event; the exit status says how it ended.
 */
final class ExperimentWatcher {

    private static final int BAR_WIDTH = 24;
    private static final int QUIET_WAIT_SECONDS = 5;

    private final Broker broker;
    private final PrintWriter out;
    private final PrintWriter err;
    private final boolean json;
    private final boolean drawProgress;
    private final ExperimentHistory history = new ExperimentHistory();
    private final Map<String, Instant> epochStarted = new HashMap<>();
    private final Map<String, String> bars = new LinkedHashMap<>();
    private boolean barShown;
    private volatile boolean seen;

    ExperimentWatcher(Broker broker, PrintWriter out, PrintWriter err, boolean json, boolean drawProgress) {
        this.broker = broker;
        this.out = out;
        this.err = err;
        this.json = json;
        this.drawProgress = drawProgress && !json;
    }

    int watch(String id) {
        Type[] end = new Type[1];
        String stateTopic = broker.options().state();
        broker.follow(List.of(broker.options().events(), stateTopic), record -> {
            Optional<ExperimentEvent> parsed = record.topic().equals(stateTopic)
                    ? CurrentStates.parse(record.value()).flatMap(ExperimentState::progressEvent) // live progress
                    : ExperimentHistory.parse(record);
            if (parsed.isEmpty()) {
                return true;
            }
            ExperimentEvent event = parsed.get();
            if (!id.equals(event.experimentId()) && !id.equals(event.subject().parentId())) {
                return true;
            }
            seen = true;
            if (event instanceof Progress && history.find(event.experimentId())
                    .filter(r -> r.getStatus() == Type.RUNNING).isEmpty()) {
                return true; // the state topic is read beside the events: progress only between RUNNING and the end
            }
            history.apply(event);
            show(event, !id.equals(event.experimentId()));
            if (id.equals(event.experimentId()) && event instanceof Terminal) {
                end[0] = event.type();
                return false;
            }
            return true;
        }, () -> {
            // a trainer that is free picks a new request up within a moment: say nothing unless it does not
            CompletableFuture.delayedExecutor(QUIET_WAIT_SECONDS, TimeUnit.SECONDS).execute(() -> {
                if (!seen) {
                    err.println("waiting for " + id + ": no events yet (queued behind other experiments, or no "
                            + "trainer is running); Ctrl-C stops watching, not the experiment");
                }
            });
            return false;
        });
        return switch (end[0]) {
            case SUCCEEDED -> ExitCode.OK;
            case CANCELLED -> ExitCode.CANCELLED;
            case REJECTED -> ExitCode.REJECTED;
            default -> ExitCode.FAILED;
        };
    }

    private void show(ExperimentEvent e, boolean child) {
        if (json) {
            Json.printLine(out, e);
            return;
        }
        String who = child ? "[" + e.experimentId() + "] " : "";
        ExperimentRecord record = history.find(e.experimentId()).orElseThrow();
        Instant at = Instant.parse(e.at());
        if (e instanceof ExperimentEvent.Queued) {
            line(who + "QUEUED    " + what(record) + ", " + record.getEpochs()
                    + (Integer.valueOf(1).equals(record.getEpochs()) ? " epoch" : " epochs")
                    + (record.getTags() == null ? "" : ", tags " + record.getTags()));
        } else if (e instanceof Running running) {
            epochStarted.put(e.experimentId(), at);
            line(who + (Running.SWEEP_DEVICE.equals(running.device())
                    ? "RUNNING   its runs queued by " + running.worker()
                    : "RUNNING   on " + running.device() + " (" + running.worker() + ")"));
        } else if (e instanceof Resumed resumed) {
            epochStarted.put(e.experimentId(), at);
            String of = record.getEpochs() == null ? "" : " of " + record.getEpochs();
            line(who + "RESUMED   from epoch " + resumed.epoch() + (resumed.batch() == 0
                    ? " (its checkpoint after " + resumed.epoch() + of + " epochs)"
                    : ", batch " + resumed.batch() + " (its checkpoint " + resumed.batch() + " batches into epoch "
                            + (resumed.epoch() + 1) + of + ")") + " on " + resumed.worker());
        } else if (e instanceof Progress progress) {
            progress(who, progress, at);
        } else if (e instanceof ExperimentEvent.Epoch epoch) {
            bars.remove(e.experimentId());
            epochStarted.put(e.experimentId(), at);
            // a run trained again from epoch 0 (taken over without a checkpoint) replaces its epochs in place
            List<ExperimentRecord.Epoch> epochs = record.getEpochMetrics();
            ExperimentRecord.Epoch m = epochs.get(Math.min(epoch.epoch(), epochs.size() - 1));
            line(String.format("%s  epoch %d/%d  loss %.4f  train %s%s  test %s  %.1f s  %.0f img/s", who, m.epoch(),
                    record.getEpochs(), m.loss(), Formats.accuracy(m.trainAccuracy()),
                    m.valAccuracy() == null ? "" : "  val " + Formats.accuracy(m.valAccuracy())
                            + String.format(" (loss %.4f)", m.valLoss()),
                    Formats.accuracy(m.testAccuracy()), m.epochSeconds(), m.imagesPerSecond()));
        } else if (e instanceof SweepSummary summary) {
            clearBar();
            SweepTable.of(summary.subject().sweep(), summary.summary()).print(out);
        } else if (e instanceof Succeeded s) {
            endLine(e, who + "SUCCEEDED in " + Formats.duration(record.getDuration())
                    + (s.artefactVersion() == null ? (record.getSearch() != null ? ", the winner's test accuracy "
                            : ", best run's test accuracy ") + Formats.accuracy(record.getArtefactTestAccuracy())
                            : ", artefact " + s.artefactVersion() + " test accuracy "
                                    + Formats.accuracy(s.metrics() == null ? null : s.metrics().testAccuracy())
                                    + " (best epoch " + Formats.accuracy(record.getBestEpochTestAccuracy()) + ")")
                    + (s.reason() == null ? "" : "; " + s.reason()));
        } else if (e instanceof Terminal end) {
            endLine(e, who + end.type() + ": " + end.reason());
        }
    }

    /**
     * "better", for a sweep "sweep of compare over k = [3, 5]", for a random search "random search of
     * better-bn: 8 trials over dropout, learningRate".
     */
    private static String what(ExperimentRecord record) {
        if (record.getSearch() != null) {
            return "random search of " + record.getArchitecture() + ": " + record.getSearch();
        }
        if (record.getSweptParameter() == null) {
            return record.getArchitecture();
        }
        String network = record.getSweptParameter().equals("k") ? record.getArchitecture().replaceAll("\\(k=.*\\)", "")
                : record.getArchitecture();
        return "sweep of " + network + " over " + record.getSweptParameter() + " = "
                + record.getSweptValues().stream().map(Formats::number).toList();
    }

    private void endLine(ExperimentEvent e, String text) {
        bars.remove(e.experimentId());
        line(text);
    }

    /**
     * One line, redrawn in place, with a bar per running experiment (several for a sweep whose children
     * run on several trainers): batches done, images/second, time left in the epoch and in the run.
     */
    private void progress(String who, Progress e, Instant at) {
        if (!drawProgress) {
            return;
        }
        ExperimentRecord record = history.find(e.experimentId()).orElseThrow();
        double done = e.batch() / (double) e.batches();
        int filled = (int) Math.round(done * BAR_WIDTH);
        String eta = "";
        Instant started = epochStarted.get(e.experimentId());
        if (started != null && done > 0) {
            Duration elapsed = Duration.between(started, at);
            Duration epochLeft = Duration.ofMillis((long) (elapsed.toMillis() * (1 - done) / done));
            int epochsAfter = record.getEpochs() == null ? 0 : record.getEpochs() - e.epoch() - 1;
            Duration runLeft = epochLeft.plusMillis((long) (elapsed.toMillis() / done * epochsAfter));
            eta = "  ETA " + Formats.duration(epochLeft) + " (run " + Formats.duration(runLeft) + ")";
        }
        Double rate = e.metrics().imagesPerSecond();
        bars.put(e.experimentId(), String.format("%s  epoch %d/%s [%s%s] %d/%d batches  %s img/s%s", who, e.epoch() + 1,
                record.getEpochs() == null ? "?" : record.getEpochs(), "#".repeat(filled), ".".repeat(BAR_WIDTH - filled),
                e.batch(), e.batches(), rate == null ? "-" : String.format("%.0f", rate), eta));
        out.print("\r\033[2K" + String.join("   ", bars.values()));
        out.flush();
        barShown = true;
    }

    private void line(String text) {
        clearBar();
        out.println(text);
    }

    private void clearBar() {
        if (barShown) {
            out.print("\r\033[2K"); // back to the start of the line and erase the bar
            barShown = false;
        }
    }
}
