package dev.fmnist.inference.serving;

import dev.fmnist.inference.config.InferenceConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses to start a plaintext gRPC server on anything but loopback: images and answers would
 * cross the network in clear. TLS (a certificate or key store) or an explicit
 * {@code fmnist.serving.allow-plaintext=true} for a private network lifts it.
 */
@ApplicationScoped
public class PlaintextGuard {

    // Quarkus' own keys: read here, declared by the gRPC extension

    @ConfigProperty(name = "quarkus.grpc.server.host")
    String host;

    @ConfigProperty(name = "quarkus.grpc.server.ssl.certificate")
    Optional<Path> certificate;

    @ConfigProperty(name = "quarkus.grpc.server.ssl.key-store")
    Optional<Path> keyStore;

    @Inject
    InferenceConfig config;

    void check(@Observes StartupEvent event) {
        if (certificate.isEmpty() && keyStore.isEmpty() && !config.serving().allowPlaintext() && !isLoopback(host)) {
            throw new IllegalStateException("refusing plaintext gRPC on " + host + ": set GRPC_TLS_CERT and GRPC_TLS_KEY "
                    + "(or GRPC_TLS_KEY_STORE), or FMNIST_ALLOW_PLAINTEXT=true on a private network, or GRPC_HOST=127.0.0.1");
        }
    }

    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
