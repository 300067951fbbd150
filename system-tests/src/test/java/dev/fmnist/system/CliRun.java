package dev.fmnist.system;

import dev.fmnist.cli.CapturedRun;
import java.util.ArrayList;
import java.util.List;

/** The CLI run in-process against a test stack: its connection flags appended to the arguments. */
final class CliRun {

    private CliRun() {}

    static CapturedRun with(List<String> connection, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(connection);
        return CapturedRun.of(all.toArray(String[]::new));
    }
}
