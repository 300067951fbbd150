package dev.fmnist.cli.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Markdown file read the way a reader of the docs sees it: its fenced code blocks (with the
 * line each starts on and whether it is marked as not checked), its headings as GitHub anchors, and
 * the targets of its links and images outside code. Only what the documented-examples checks need;
 * not a Markdown renderer.
 *
 * <p><b>The marker.</b> A fenced block whose nearest non-blank line above is
 * {@value #MARKER_EXAMPLE} is left out of every check; the reason in parentheses is required.
 */
final class MarkdownPage {

    static final String MARKER_EXAMPLE = "<!-- example: not-checked (why it cannot be checked) -->";
    private static final Pattern MARKER = Pattern.compile("^\\s*<!--\\s*example:\\s*not-checked\\b(.*?)-->\\s*$");
    private static final Pattern MARKER_REASON = Pattern.compile("^\\s*\\((.*\\S.*)\\)\\s*$");
    private static final Pattern FENCE = Pattern.compile("^( *)(`{3,}|~{3,})(.*)$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)(?:\\s+#+)?\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
    private static final Pattern CODE_SPAN = Pattern.compile("(`+)(?:(?!\\1).)+?\\1");
    /** Every {@code ](target)} closes a link or an image, nested ones included ({@code [![alt](a.png)](b.md)}). */
    private static final Pattern INLINE_TARGET = Pattern.compile("\\]\\(\\s*(<[^>]*>|[^)\\s]*)(?:\\s+\"[^\"]*\")?\\s*\\)");
    /** {@code [name]: target}; a footnote ({@code [^1]: text}) is not one. */
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^ {0,3}\\[(?!\\^)[^\\]]+\\]:\\s*(<[^>]*>|\\S+)");
    private static final Pattern HTML_TARGET = Pattern.compile("<(?:img|a)\\b[^>]*?\\s(?:src|href)=\"([^\"]*)\"");

    /** A fenced code block: {@code line} is the 1-based line of its opening fence; {@code lines} its content, unindented. */
    record Block(int line, String info, List<String> lines, boolean notChecked) {
        /** The 1-based line in the file of content line {@code index}. */
        int lineOf(int index) {
            return line + 1 + index;
        }

        String language() {
            String trimmed = info.strip();
            int space = trimmed.indexOf(' ');
            return (space < 0 ? trimmed : trimmed.substring(0, space)).toLowerCase(Locale.ROOT);
        }
    }

    /** A link's or image's target as written, and the line it is on. */
    record Link(int line, String target) {}

    private final Path file;
    private final String name;
    private final List<Block> blocks = new ArrayList<>();
    private final List<Link> links = new ArrayList<>();
    private final Set<String> anchors = new LinkedHashSet<>();
    private final List<String> problems = new ArrayList<>();

    private MarkdownPage(Path file, String name, String text) {
        this.file = file;
        this.name = name;
        read(text.lines().toList());
    }

    /** Reads {@code file}; messages name it by its path relative to {@code root}. */
    static MarkdownPage read(Path root, Path file) {
        try {
            return new MarkdownPage(file, root.relativize(file).toString(), Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A page from text, as if it were {@code file} (for the checks' own tests). */
    static MarkdownPage of(Path root, Path file, String text) {
        return new MarkdownPage(file, root.relativize(file).toString(), text);
    }

    Path file() {
        return file;
    }

    /** The path messages name it by, e.g. {@code docs/using/cli.md}. */
    String name() {
        return name;
    }

    List<Block> blocks() {
        return blocks;
    }

    List<Link> links() {
        return links;
    }

    /** The anchors its headings (and {@code <a id>} tags) get. */
    Set<String> anchors() {
        return anchors;
    }

    /** Malformed markers and unclosed fences, as {@code file:line: what}. */
    List<String> problems() {
        return problems;
    }

    private void read(List<String> lines) {
        Map<String, Integer> slugsSeen = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher fence = FENCE.matcher(line);
            if (fence.matches() && !(fence.group(2).startsWith("`") && fence.group(3).contains("`"))) {
                i = readBlock(lines, i, fence);
                continue;
            }
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String slug = slug(heading.group(2));
                int seen = slugsSeen.merge(slug, 1, Integer::sum);
                anchors.add(seen == 1 ? slug : slug + "-" + (seen - 1)); // GitHub numbers repeated headings
            }
            Matcher html = HTML_ANCHOR.matcher(line);
            while (html.find()) {
                anchors.add(html.group(1));
            }
            Matcher marker = MARKER.matcher(line);
            if (marker.matches() && !nextNonBlankIsFence(lines, i)) {
                problems.add(name + ":" + (i + 1) + ": the not-checked marker must stand right above the fenced block it marks");
            }
            readLinks(i + 1, line);
        }
    }

    private int readBlock(List<String> lines, int open, Matcher fence) {
        int indent = fence.group(1).length();
        String marks = fence.group(2);
        List<String> content = new ArrayList<>();
        int i = open + 1;
        for (; i < lines.size(); i++) {
            String line = lines.get(i);
            String stripped = line.strip();
            if (stripped.startsWith(marks) && stripped.chars().allMatch(c -> c == marks.charAt(0))) {
                break;
            }
            int drop = 0;
            while (drop < indent && drop < line.length() && line.charAt(drop) == ' ') {
                drop++;
            }
            content.add(line.substring(drop));
        }
        if (i == lines.size()) {
            problems.add(name + ":" + (open + 1) + ": a fenced block that is never closed");
        }
        blocks.add(new Block(open + 1, fence.group(3), List.copyOf(content), isMarked(lines, open)));
        return i;
    }

    private boolean isMarked(List<String> lines, int fence) {
        for (int i = fence - 1; i >= 0; i--) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            Matcher marker = MARKER.matcher(lines.get(i));
            if (!marker.matches()) {
                return false;
            }
            if (!MARKER_REASON.matcher(marker.group(1)).matches()) {
                problems.add(name + ":" + (i + 1) + ": the not-checked marker needs its reason: " + MARKER_EXAMPLE);
            }
            return true;
        }
        return false;
    }

    private static boolean nextNonBlankIsFence(List<String> lines, int marker) {
        for (int i = marker + 1; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                return FENCE.matcher(lines.get(i)).matches();
            }
        }
        return false;
    }

    private void readLinks(int lineNumber, String line) {
        String prose = CODE_SPAN.matcher(line).replaceAll("");
        for (Pattern pattern : List.of(INLINE_TARGET, REFERENCE_DEFINITION, HTML_TARGET)) {
            Matcher target = pattern.matcher(prose);
            while (target.find()) {
                String written = target.group(1);
                if (written.startsWith("<") && written.endsWith(">")) {
                    written = written.substring(1, written.length() - 1);
                }
                links.add(new Link(lineNumber, written));
            }
        }
    }

    /**
     * GitHub's anchor for a heading: its text as rendered (a link's text, no markup), lower-cased,
     * every character that is not a letter, a digit, a space, '-' or '_' removed, each space a '-'.
     */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1").replaceAll("<[^>]+>", "");
        StringBuilder slug = new StringBuilder();
        text.toLowerCase(Locale.ROOT).codePoints().forEach(c -> {
            if (c == ' ') {
                slug.append('-');
            } else if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                slug.appendCodePoint(c);
            }
        });
        return slug.toString();
    }
}
