package dev.fmnist.trainer.messaging;

import dev.fmnist.charts.SweepChart;
import dev.fmnist.contract.experiments.Sweep;
import dev.fmnist.contract.experiments.SweepRow;
import dev.fmnist.contract.kafka.Headers;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Publishes report files (the sweep plot) to {@code fmnist.reports}. */
@ApplicationScoped
public class ReportPublisher {

    @Inject
    @Channel("reports")
    MutinyEmitter<byte[]> reports;

    /** Plots a sweep ({@link SweepChart#of}) and publishes the PNG; returns its key. */
    public String publishSweepPlot(String sweepId, Sweep sweep, List<SweepRow> rows) {
        SweepChart chart = SweepChart.of(sweepId, sweep, rows);
        String key = sweepId + "/sweep.png";
        Records.send(reports, key, chart.png(), Map.of(Headers.CONTENT_TYPE, "image/png"));
        return key;
    }
}
