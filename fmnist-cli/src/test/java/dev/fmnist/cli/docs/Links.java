package dev.fmnist.cli.docs;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every relative link and image of the docs leads somewhere: the file (or folder) exists, relative to
 * the page ({@code /path} to the repository's root) and inside the repository, and an anchor
 * ({@code #section} on the page itself, {@code page.md#section} on another) is one of that page's
 * headings by GitHub's rule ({@link MarkdownPage#slug}). Links with a scheme ({@code https:},
 * {@code mailto:}) are counted, not fetched.
 */
final class Links {

    private static final Pattern SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*:.*");

    private final Path root;
    private final Map<Path, Set<String>> anchorsOf = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private int relative;
    private int anchors;
    private int external;

    Links(Path root) {
        this.root = root;
    }

    List<String> problems() {
        return problems;
    }

    /** Relative links and images checked. */
    int relative() {
        return relative;
    }

    /** Of them (and links within a page), those with an anchor checked against headings. */
    int anchors() {
        return anchors;
    }

    int external() {
        return external;
    }

    /** Pages already read, so a link into one is checked against its headings without reading it twice. */
    void know(MarkdownPage page) {
        anchorsOf.put(page.file().toAbsolutePath().normalize(), page.anchors());
    }

    void check(MarkdownPage page) {
        know(page);
        for (MarkdownPage.Link link : page.links()) {
            String where = page.name() + ":" + link.line() + ": (" + link.target() + ")";
            String target = link.target();
            if (target.isEmpty()) {
                problems.add(where + ": a link to nothing");
                continue;
            }
            if (SCHEME.matcher(target).matches()) {
                external++;
                continue;
            }
            int hash = target.indexOf('#');
            String path = URLDecoder.decode(hash < 0 ? target : target.substring(0, hash), StandardCharsets.UTF_8);
            String anchor = hash < 0 ? null : target.substring(hash + 1);
            Path file;
            try {
                file = (path.isEmpty() ? page.file() : path.startsWith("/") ? root.resolve(path.substring(1))
                        : page.file().toAbsolutePath().getParent().resolve(path)).toAbsolutePath().normalize();
            } catch (InvalidPathException e) {
                problems.add(where + ": not a path: " + e.getMessage());
                continue;
            }
            if (!path.isEmpty()) {
                relative++;
                if (!file.startsWith(root)) {
                    problems.add(where + ": leads out of the repository");
                    continue;
                }
                if (!Files.exists(file)) {
                    problems.add(where + ": no such file: " + root.relativize(file));
                    continue;
                }
            }
            if (anchor != null && file.toString().endsWith(".md") && Files.isRegularFile(file)) {
                anchors++;
                Set<String> headings = anchorsOf.computeIfAbsent(file, f -> MarkdownPage.read(root, f).anchors());
                if (!headings.contains(anchor)) {
                    problems.add(where + ": no heading of " + root.relativize(file) + " has the anchor #" + anchor
                            + " (lower case, spaces as '-', punctuation but '-' and '_' dropped); it has "
                            + headings.stream().map(h -> "#" + h).toList());
                }
            }
        }
    }
}
