package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/up} checks every port it will bind before it installs or builds anything: on a taken port it fails in
 * seconds naming the port and what wanted it. Every port is moved to a free one through bin/up's environment, so the
 * test never touches a default port a running stack may hold, and the run directory is a fresh temporary one.
 */
class BinUpPortsTest {

    private static final Path ROOT = PrometheusServer.ROOT;
    private static final long LIMIT_SECONDS = 10;

    @TempDir
    Path runDir;

    @Test
    void aTakenGrpcPortFailsBeforeAnyInstallOrBuild() throws Exception {
        assertFailsOnTakenPort("INFERENCE_GRPC_PORT", "inference-service gRPC");
    }

    @Test
    void aTakenKafkaControllerPortFailsBeforeAnyInstallOrBuild() throws Exception {
        assertFailsOnTakenPort("KAFKA_CONTROLLER_PORT", "kafka node 1's controller");
    }

    private void assertFailsOnTakenPort(String takenVariable, String component) throws Exception {
        Map<String, String> ports = new LinkedHashMap<>();
        for (String variable : new String[] {"KAFKA_PORT", "KAFKA_CONTROLLER_PORT", "TRAINER_HTTP_PORT",
            "INFERENCE_HTTP_PORT", "INFERENCE_GRPC_PORT", "PROMETHEUS_PORT"}) {
            if (!variable.equals(takenVariable)) {
                ports.put(variable, String.valueOf(TestStack.freePort()));
            }
        }
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            ports.put(takenVariable, String.valueOf(port));
            ProcessBuilder up = new ProcessBuilder(ROOT.resolve("bin/up").toString(), "--quick")
                    .directory(ROOT.toFile()).redirectErrorStream(true);
            up.environment().putAll(ports);
            up.environment().put("KAFKA_BROKERS", "1");
            up.environment().put("FMNIST_RUN_DIR", runDir.toString());
            long start = System.nanoTime();
            Process process = up.start();
            boolean exited = process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS);
            if (!exited) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(exited).as("bin/up still running after %d s: %s", LIMIT_SECONDS, output).isTrue();
            assertThat(process.exitValue()).as(output).isNotZero();
            assertThat(output).contains("port " + port + " (for " + component + ") is taken")
                    .doesNotContain("== building").doesNotContain("== kafka");
            assertThat(runDir.resolve("logs")).as("nothing installed, built or logged").doesNotExist();
            assertThat(seconds).as("seconds").isLessThan(LIMIT_SECONDS);
        } catch (IOException e) {
            throw new AssertionError("could not run bin/up", e);
        }
    }

    @Test
    void everyPortBinUpBindsIsCheckedBeforeTheInstallStep() throws IOException {
        String script = Files.readString(ROOT.resolve("bin/up"));
        int install = script.indexOf("bin/install-deps");
        for (String check : new String[] {"\"$trainer_http_port\"", "\"$inference_http_port\"",
            "\"$inference_grpc_port\"", "\"$prometheus_port\"", "$((kafka_port", "$((kafka_controller_port"}) {
            int at = script.indexOf("check_port ");
            assertThat(at).isPositive();
            assertThat(script.substring(at, install)).as("checked before bin/install-deps").contains(check);
        }
    }
}
