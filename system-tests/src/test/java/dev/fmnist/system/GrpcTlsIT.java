package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.fmnist.cli.CapturedRun;
import dev.fmnist.cli.ExitCode;
import dev.fmnist.contract.kafka.NeedsBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gRPC over TLS with a self-signed certificate made here by keytool: a client that trusts it gets
 * real answers; a plaintext client and a client that does not trust it get nothing. Without TLS the
 * service will not listen beyond loopback.
 */
@NeedsBroker
class GrpcTlsIT {

    private static final String PASSWORD = "changeit-test-only";

    @TempDir
    Path dir;

    private TestStack stack;

    @AfterEach
    void stop() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aTrustingClientIsAnsweredOverTlsAndOthersAreNot() throws Exception {
        Path keyStore = dir.resolve("server.p12");
        Path certificate = dir.resolve("server.pem");
        keytool("-genkeypair", "-alias", "inference", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", PASSWORD);
        keytool("-exportcert", "-rfc", "-alias", "inference", "-keystore", keyStore.toString(), "-storepass", PASSWORD,
                "-file", certificate.toString());
        stack = new TestStack();
        stack.startInference(List.of("-Dquarkus.grpc.server.ssl.key-store=" + keyStore,
                "-Dquarkus.grpc.server.ssl.key-store-password=" + PASSWORD));
        stack.awaitHttp(stack.inferenceHttp, "/q/health/live", 200);
        Path png = dir.resolve("x.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(28, 28,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png", png.toFile());
        String target = "127.0.0.1:" + stack.grpcPort;

        // the service's own answer (no model on this fresh topic yet) proves the TLS handshake worked
        CapturedRun trusted = CapturedRun.of("models", "--ca-cert", certificate.toString(), "--target", target,
                "--bootstrap-servers", stack.bootstrap, "--topic-prefix", stack.prefix, "-o", "json");
        assertThat(trusted.exitCode()).as(trusted.toString()).isZero();
        assertThat(trusted.err()).as(trusted.toString()).contains("no version loaded yet");

        CapturedRun plaintext = CapturedRun.of("classify", png.toString(), "--target", target, "--grpc-timeout", "5");
        assertThat(plaintext.exitCode()).as(plaintext.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(plaintext.err()).doesNotContain("no version loaded yet");

        CapturedRun untrusted = CapturedRun.of("classify", png.toString(), "--target", target, "--tls", "--grpc-timeout", "5");
        assertThat(untrusted.exitCode()).as(untrusted.toString()).isEqualTo(ExitCode.UNREACHABLE);
        assertThat(untrusted.err()).doesNotContain("no version loaded yet");
    }

    @Test
    void withoutTlsTheServiceRefusesToListenBeyondLoopback() throws Exception {
        stack = new TestStack();
        Process service = stack.startInference(List.of("-Dquarkus.grpc.server.host=0.0.0.0"));

        assertThat(service.waitFor(120, TimeUnit.SECONDS)).as("the service exits").isTrue();
        assertThat(service.exitValue()).isNotZero();
        String log = Files.readString(Path.of("target", "it-logs", stack.prefix + "-inference.log"));
        assertThat(log).contains("refusing plaintext gRPC on 0.0.0.0");
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("keytool " + String.join(" ", args) + ": " + output).isZero();
    }
}
