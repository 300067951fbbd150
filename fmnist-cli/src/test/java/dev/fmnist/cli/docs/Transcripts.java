package dev.fmnist.cli.docs;

import dev.fmnist.cli.FmnistCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The documented {@code fmnist} sessions, re-run. In a fenced block, a line {@code $ bin/fmnist ARGS}
 * (or {@code $ fmnist ARGS}; a trailing {@code \} continues it on the next line) is a command and
 * the lines after it, up to the next {@code $ } line or the block's end, are what it printed, stdout
 * and stderr as a terminal shows them; a last line {@code (exit N)} is its exit status (0 when
 * absent).
 *
 * <p><b>Which ones run here, without a stack</b> (decided from the doc alone, so a documented
 * session cannot opt out by accident): a command with {@code --help}, {@code -h}, {@code --version}
 * or the word {@code help} first, with {@code --dry-run}, whose documented status is 2 (a usage
 * error or an invalid request, refused before anything is reached), or that names an address at
 * port 1 ({@code 127.0.0.1:1}, {@code localhost:1}: nothing listens there, so it shows how an
 * unreachable broker or service is reported). Each runs in-process ({@link FmnistCli#execute}) with
 * stdout and stderr into one writer, as a terminal interleaves them; a path argument that names a
 * file of the repository is given as that file, and the repository's path is taken out of the
 * output, as if run from the repository's root; a default the environment sets ({@code
 * $KAFKA_BOOTSTRAP_SERVERS}, which bin/test always sets) is shown as the built-in one, as if run where
 * none is set. Its exit status must be the one shown, and its
 * output the lines shown, trailing spaces aside, where a line {@code ...} alone stands for any
 * number of lines. Every other session (training, classifying, reports against a running stack) is
 * a record of a real run, kept as it was.
 */
final class Transcripts {

    private static final Pattern EXIT = Pattern.compile("^\\(exit (\\d+)\\)$");
    private static final Pattern UNREACHABLE = Pattern.compile("(?:.*=)?(?:127\\.0\\.0\\.1|localhost|\\[::1\\]):1");
    /** A default an environment variable can replace: {@code ${env:NAME:-FALLBACK}}. */
    private static final Pattern ENV_DEFAULT = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+):-([^}]*)}");
    static final String ELISION = "...";

    /** One documented run: where, the words after {@code fmnist}, the output shown and the status shown. */
    record Transcript(String where, String command, ShellWords words, List<String> output, int exit) {
        /** By the rule above. */
        boolean runsWithoutAStack() {
            List<String> args = args();
            return exit == 2 || args.contains("--help") || args.contains("-h") || args.contains("--version")
                    || (!args.isEmpty() && args.get(0).equals("help")) || args.contains("--dry-run")
                    || args.stream().anyMatch(a -> UNREACHABLE.matcher(a).matches());
        }

        List<String> args() {
            return words.words().subList(1, words.words().size());
        }
    }

    private final Path root;
    private final Map<String, String> environmentDefaults = environmentDefaults();
    private final List<String> problems = new ArrayList<>();
    private int found;
    private int ran;

    Transcripts(Path root) {
        this.root = root;
    }

    List<String> problems() {
        return problems;
    }

    /** Documented fmnist runs seen. */
    int found() {
        return found;
    }

    /** Those run and compared. */
    int ran() {
        return ran;
    }

    void check(MarkdownPage page) {
        for (MarkdownPage.Block block : page.blocks()) {
            if (!block.notChecked()) {
                for (Transcript transcript : transcripts(page.name(), block)) {
                    found++;
                    if (transcript.runsWithoutAStack()) {
                        run(transcript);
                    }
                }
            }
        }
    }

    static List<Transcript> transcripts(String file, MarkdownPage.Block block) {
        List<Transcript> found = new ArrayList<>();
        List<String> lines = block.lines();
        int i = 0;
        while (i < lines.size()) {
            if (!lines.get(i).startsWith("$ ")) {
                i++;
                continue;
            }
            int first = i;
            StringBuilder command = new StringBuilder(lines.get(i).substring(2));
            while (command.toString().stripTrailing().endsWith("\\") && i + 1 < lines.size()) {
                String sofar = command.toString().stripTrailing();
                command.setLength(0);
                command.append(sofar, 0, sofar.length() - 1).append(' ').append(lines.get(++i).strip());
            }
            i++;
            List<String> output = new ArrayList<>();
            while (i < lines.size() && !lines.get(i).startsWith("$ ")) {
                output.add(lines.get(i).stripTrailing());
                i++;
            }
            trimTrailingBlanks(output);
            int exit = 0;
            if (!output.isEmpty()) {
                Matcher status = EXIT.matcher(output.get(output.size() - 1).strip());
                if (status.matches()) {
                    exit = Integer.parseInt(status.group(1));
                    output.remove(output.size() - 1);
                    trimTrailingBlanks(output);
                }
            }
            String text = command.toString().strip();
            ShellWords words;
            try {
                words = ShellWords.split(text);
            } catch (IllegalArgumentException e) {
                continue; // not a command line bash would take: not one of ours to run either
            }
            if (!words.words().isEmpty() && isFmnist(words.words().get(0))) {
                found.add(new Transcript(file + ":" + block.lineOf(first), text, words, List.copyOf(output), exit));
            }
        }
        return found;
    }

    private static boolean isFmnist(String program) {
        return program.equals("fmnist") || program.equals("bin/fmnist") || program.equals("./bin/fmnist");
    }

    private void run(Transcript transcript) {
        if (!transcript.words().simple()) {
            problems.add(transcript.where() + ": `" + transcript.command() + "` should run without a stack (see "
                    + "Transcripts' rule) but pipes, redirects or expands something, so it cannot be re-run as shown");
            return;
        }
        ran++;
        List<String> args = transcript.args().stream().map(this::asRepositoryFile).toList();
        StringWriter terminal = new StringWriter();
        int exit;
        try (PrintWriter both = new PrintWriter(terminal, true)) {
            exit = FmnistCli.execute(both, both, args.toArray(String[]::new));
        }
        String printed = terminal.toString().replace(root + "/", "");
        for (Map.Entry<String, String> value : environmentDefaults.entrySet()) {
            printed = printed.replace(value.getKey(), value.getValue());
        }
        List<String> actual = new ArrayList<>(printed.lines().map(String::stripTrailing).toList());
        trimTrailingBlanks(actual);
        List<String> differences = new ArrayList<>();
        if (exit != transcript.exit()) {
            differences.add("exit " + exit + ", the doc says " + transcript.exit());
        }
        if (!matches(transcript.output(), actual)) {
            differences.add("the output differs from the doc's:\n--- doc ---\n" + String.join("\n", transcript.output())
                    + "\n--- this build ---\n" + String.join("\n", actual));
        }
        if (!differences.isEmpty()) {
            problems.add(transcript.where() + ": `" + transcript.command() + "`: " + String.join("; ", differences));
        }
    }

    /**
     * Each value this environment gives a default of the CLI's options ({@code ${env:NAME:-FALLBACK}}),
     * mapped to the fallback the docs show; read from the commands themselves.
     */
    private static Map<String, String> environmentDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        List<CommandLine> commands = new ArrayList<>(List.of(new CommandLine(new FmnistCli())));
        for (int i = 0; i < commands.size(); i++) {
            commands.addAll(commands.get(i).getSubcommands().values());
            for (OptionSpec option : commands.get(i).getCommandSpec().options()) {
                Matcher env = ENV_DEFAULT.matcher(String.valueOf(option.defaultValueString(false)));
                if (env.matches()) {
                    String value = System.getenv(env.group(1));
                    if (value != null && !value.isBlank() && !value.equals(env.group(2))) {
                        defaults.put(value, env.group(2));
                    }
                }
            }
        }
        return defaults;
    }

    /** The path of the repository's file an argument names, as if run from the root; the argument otherwise. */
    private String asRepositoryFile(String arg) {
        if (arg.startsWith("-") || arg.isEmpty() || arg.contains("://")) {
            return arg;
        }
        try {
            Path file = root.resolve(arg);
            return !Path.of(arg).isAbsolute() && Files.exists(file) ? file.toString() : arg;
        } catch (java.nio.file.InvalidPathException e) {
            return arg;
        }
    }

    /**
     * Whether {@code actual} is {@code shown}, where each {@code ...} line of {@code shown} stands for
     * any number of lines (none included).
     */
    static boolean matches(List<String> shown, List<String> actual) {
        List<List<String>> segments = new ArrayList<>();
        List<String> segment = new ArrayList<>();
        for (String line : shown) {
            if (line.strip().equals(ELISION)) {
                segments.add(segment);
                segment = new ArrayList<>();
            } else {
                segment.add(line);
            }
        }
        segments.add(segment);
        if (segments.size() == 1) {
            return shown.equals(actual);
        }
        List<String> head = segments.get(0);
        List<String> tail = segments.get(segments.size() - 1);
        if (actual.size() < head.size() + tail.size() || !actual.subList(0, head.size()).equals(head)
                || !actual.subList(actual.size() - tail.size(), actual.size()).equals(tail)) {
            return false;
        }
        int position = head.size();
        int end = actual.size() - tail.size();
        for (List<String> middle : segments.subList(1, segments.size() - 1)) {
            int at = indexOf(actual.subList(position, end), middle);
            if (at < 0) {
                return false;
            }
            position += at + middle.size();
        }
        return true;
    }

    private static int indexOf(List<String> lines, List<String> run) {
        for (int i = 0; i + run.size() <= lines.size(); i++) {
            if (lines.subList(i, i + run.size()).equals(run)) {
                return i;
            }
        }
        return -1;
    }

    private static void trimTrailingBlanks(List<String> lines) {
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
    }
}
