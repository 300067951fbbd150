package dev.fmnist.cli.serving;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the inference service listens, and how to trust it. */
public final class GrpcOptions {

    @Option(names = "--target", paramLabel = "HOST:PORT", defaultValue = "${env:FMNIST_TARGET:-127.0.0.1:9000}",
            description = "inference-service gRPC address (default: $FMNIST_TARGET or ${DEFAULT-VALUE})")
    public String target;

    @Option(names = "--tls", description = "use TLS (implied by --ca-cert)")
    public boolean tls;

    @Option(names = "--ca-cert", paramLabel = "PEM", description = "trust this CA or self-signed certificate")
    public Path caCert;

    @Option(names = "--grpc-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "deadline of each call (default: ${DEFAULT-VALUE})")
    public int timeoutSeconds;
}
