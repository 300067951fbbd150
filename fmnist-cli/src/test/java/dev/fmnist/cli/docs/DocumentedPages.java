package dev.fmnist.cli.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The docs whose examples are checked: the repository's README.md and every docs/**&#47;*.md. */
final class DocumentedPages {

    private DocumentedPages() {}

    /** The repository's root: the nearest directory above the working directory with mvnw and README.md. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw")) && Files.isRegularFile(dir.resolve("README.md"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no directory with mvnw and README.md above " + Path.of("").toAbsolutePath());
    }

    static List<MarkdownPage> read(Path root) {
        List<MarkdownPage> pages = new ArrayList<>();
        pages.add(MarkdownPage.read(root, root.resolve("README.md")));
        Path docs = root.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> files = Files.walk(docs)) {
                files.filter(f -> f.toString().endsWith(".md") && Files.isRegularFile(f)).sorted()
                        .forEach(f -> pages.add(MarkdownPage.read(root, f)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return pages;
    }
}
