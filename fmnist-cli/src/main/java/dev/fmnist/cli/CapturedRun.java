package dev.fmnist.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One in-process run of {@code fmnist} with its output captured: for tests and for embedding the CLI. */
public record CapturedRun(int exitCode, String out, String err) {

    public static CapturedRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FmnistCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CapturedRun(code, out.toString(), err.toString());
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out ---\n" + out + "--- err ---\n" + err;
    }
}
