package dev.fmnist.cli.output;

import picocli.CommandLine.Option;

/** --output and --verbose, on every command. */
public final class OutputOptions {

    /** Human tables and lines, or JSON for scripts. */
    public enum Format { human, json }

    @Option(names = {"-o", "--output"}, defaultValue = "human", paramLabel = "FORMAT",
            description = "human or json (default: ${DEFAULT-VALUE})")
    public Format format;

    @Option(names = {"-v", "--verbose"}, description = "stack traces and client logs on errors")
    public boolean verbose;

    public boolean json() {
        return format == Format.json;
    }
}
