package dev.fmnist.contract.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Downloads the four gz files from the official mirrors (the ones torchvision uses), with a progress
 * line, retries, and the content checksum checked before a file is moved into place.
 */
public final class FashionMnistDownloader {

    /** The mirrors torchvision's FashionMNIST and the dataset's own repository serve. */
    public static final List<URI> OFFICIAL_MIRRORS = List.of(
            URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            URI.create("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"));

    static final int ATTEMPTS_PER_MIRROR = 3;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(5);
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final int PROGRESS_STEPS = 10;

    private final List<URI> mirrors;
    private final PrintStream progress;
    private final HttpClient client;

    public FashionMnistDownloader(List<URI> mirrors, PrintStream progress) {
        if (mirrors.isEmpty()) {
            throw new IllegalArgumentException("no Fashion-MNIST mirror configured");
        }
        this.mirrors = List.copyOf(mirrors);
        this.progress = progress;
        this.client = HttpClient.newBuilder()
                .connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** Puts every file that {@code directory} lacks there, verified; throws when a file cannot be had. */
    public void downloadMissing(Path directory) {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new DatasetException(directory + ": cannot create download directory (" + e.getMessage() + ")", e);
        }
        for (FashionMnistFile file : FashionMnistFile.values()) {
            if (FashionMnistLoader.locate(directory, file) == null) {
                download(file, directory.resolve(file.gzipName()));
            }
        }
    }

    private void download(FashionMnistFile file, Path target) {
        List<String> failures = new ArrayList<>();
        for (URI mirror : mirrors) {
            URI uri = mirror.resolve(file.gzipName());
            for (int attempt = 1; attempt <= ATTEMPTS_PER_MIRROR; attempt++) {
                Path partial = target.resolveSibling(target.getFileName() + ".part");
                try {
                    fetch(uri, partial);
                    FashionMnistLoader.verifyChecksum(partial, file);
                    Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    return;
                } catch (IOException | DatasetException e) {
                    failures.add(uri + " attempt " + attempt + ": " + e.getMessage());
                    progress.println("download of " + uri + " failed (attempt " + attempt + "/"
                            + ATTEMPTS_PER_MIRROR + "): " + e.getMessage());
                    deleteQuietly(partial);
                    if (e instanceof DatasetException) {
                        break; // the mirror served wrong bytes; asking it again will not help
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    deleteQuietly(partial);
                    throw new DatasetException("download of " + uri + " interrupted", e);
                }
            }
        }
        throw new DatasetException("could not download " + file.gzipName() + " from any mirror:\n  "
                + String.join("\n  ", failures));
    }

    private void fetch(URI uri, Path partial) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
        HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body(); OutputStream out = Files.newOutputStream(partial)) {
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode());
            }
            long total = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            long received = 0;
            int reportedStep = -1;
            byte[] buffer = new byte[BUFFER_BYTES];
            for (int n; (n = body.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                received += n;
                int step = total > 0 ? (int) (received * PROGRESS_STEPS / total) : -1;
                if (step > reportedStep) {
                    reportedStep = step;
                    progress.printf("downloading %s: %d%% (%.1f of %.1f MB)%n", uri, step * 100 / PROGRESS_STEPS,
                            received / 1e6, total / 1e6);
                }
            }
            if (total >= 0 && received != total) {
                throw new IOException("transfer interrupted after " + received + " of " + total + " bytes");
            }
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a stale .part file is overwritten by the next attempt
        }
    }
}
