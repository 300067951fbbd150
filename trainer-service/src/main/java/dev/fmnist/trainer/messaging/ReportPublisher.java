package dev.fmnist.trainer.messaging;

import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Map;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Publishes report files (the sweep plot) to {@code fmnist.reports}. */
@ApplicationScoped
public class ReportPublisher {

    @Inject
    @Channel("reports")
    MutinyEmitter<byte[]> reports;

    public void publishPng(String key, byte[] png) {
        Records.send(reports, key, png, Map.of("content-type", "image/png"));
    }
}
