package dev.fmnist.contract.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The download path against a real HTTP server on loopback that serves Debian's copies of the files. */
class FashionMnistDownloaderTest {

    @TempDir
    Path target;

    private HttpServer server;
    private final ByteArrayOutputStream progressBytes = new ByteArrayOutputStream();
    private final PrintStream progress = new PrintStream(progressBytes, true, StandardCharsets.UTF_8);
    /** Per file name: how many requests to cut off halfway before serving it whole. */
    private final Map<String, AtomicInteger> interruptions = new ConcurrentHashMap<>();
    private final Map<String, Boolean> corrupt = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mirror/", this::serve);
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    private URI mirror() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/mirror/");
    }

    private void serve(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        String name = Path.of(exchange.getRequestURI().getPath()).getFileName().toString();
        FashionMnistFile file = Arrays.stream(FashionMnistFile.values()).filter(f -> f.gzipName().equals(name))
                .findFirst().orElse(null);
        if (file == null) {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
            return;
        }
        byte[] body = IdxFixtures.realGzipped(file);
        if (corrupt.getOrDefault(name, false)) {
            body[body.length / 2] ^= 0x01; // one bit flipped inside the deflate stream
        }
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            AtomicInteger cut = interruptions.get(name);
            if (cut != null && cut.getAndDecrement() > 0) {
                out.write(body, 0, body.length / 2);
                out.flush();
                // the half body has gone out; failing the handler makes the server drop the connection
                throw new IOException("simulated connection drop");
            }
            out.write(body);
        }
    }

    @Test
    void downloadsVerifiesAndLoadsAllFourFiles() {
        new FashionMnistDownloader(List.of(mirror()), progress).downloadMissing(target);

        for (FashionMnistFile file : FashionMnistFile.values()) {
            assertThat(target.resolve(file.gzipName())).isRegularFile();
        }
        FashionMnist data = FashionMnistLoader.read(target, true);
        assertThat(data.train().size()).isEqualTo(60_000);
        assertThat(progressBytes.toString(StandardCharsets.UTF_8))
                .contains("downloading " + mirror() + "train-images-idx3-ubyte.gz: 100%");
    }

    @Test
    void skipsFilesAlreadyThere() throws IOException {
        Files.write(target.resolve(FashionMnistFile.TRAIN_IMAGES.gzipName()),
                IdxFixtures.realGzipped(FashionMnistFile.TRAIN_IMAGES));
        new FashionMnistDownloader(List.of(mirror()), progress).downloadMissing(target);
        assertThat(requests.get()).isEqualTo(3);
    }

    @Test
    void aCorruptedCopyIsRefusedAndNotKept() {
        corrupt.put("t10k-labels-idx1-ubyte.gz", true);

        assertThatThrownBy(() -> new FashionMnistDownloader(List.of(mirror()), progress).downloadMissing(target))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("could not download t10k-labels-idx1-ubyte.gz from any mirror");
        assertThat(target.resolve("t10k-labels-idx1-ubyte.gz")).doesNotExist();
        assertThat(target.resolve("t10k-labels-idx1-ubyte.gz.part")).doesNotExist();
    }

    @Test
    void aCorruptedMirrorIsSkippedForAGoodOne() throws IOException {
        HttpServer bad = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        bad.createContext("/", exchange -> {
            byte[] junk = "<html>not here</html>".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, junk.length);
            exchange.getResponseBody().write(junk);
            exchange.close();
        });
        bad.start();
        try {
            URI badMirror = URI.create("http://127.0.0.1:" + bad.getAddress().getPort() + "/");
            new FashionMnistDownloader(List.of(badMirror, mirror()), progress).downloadMissing(target);
            assertThat(FashionMnistLoader.read(target, true).test().size()).isEqualTo(10_000);
        } finally {
            bad.stop(0);
        }
    }

    @Test
    void anInterruptedTransferIsRetried() {
        interruptions.put("train-labels-idx1-ubyte.gz", new AtomicInteger(1));

        new FashionMnistDownloader(List.of(mirror()), progress).downloadMissing(target);

        assertThat(target.resolve("train-labels-idx1-ubyte.gz")).isRegularFile();
        assertThat(progressBytes.toString(StandardCharsets.UTF_8))
                .contains("download of " + mirror() + "train-labels-idx1-ubyte.gz failed (attempt 1/3)");
        assertThat(FashionMnistLoader.read(target, true).train().size()).isEqualTo(60_000);
    }

    @Test
    void aTransferThatKeepsFailingIsReported() {
        interruptions.put("t10k-images-idx3-ubyte.gz", new AtomicInteger(Integer.MAX_VALUE));

        assertThatThrownBy(() -> new FashionMnistDownloader(List.of(mirror()), progress).downloadMissing(target))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("could not download t10k-images-idx3-ubyte.gz")
                .hasMessageContaining("attempt 3");
        assertThat(target.resolve("t10k-images-idx3-ubyte.gz")).doesNotExist();
    }
}
