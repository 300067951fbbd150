package dev.fmnist.engine.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process, native memory included: what DJL leaks would show in. */
public final class ProcessMemory {

    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long KIB = 1024;

    private ProcessMemory() {}

    /** Current RSS in bytes, or 0 where /proc is not available. */
    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    String kib = line.substring("VmRSS:".length()).replace("kB", "").trim();
                    return Long.parseLong(kib) * KIB;
                }
            }
        } catch (IOException | NumberFormatException | SecurityException e) {
            return 0;
        }
        return 0;
    }
}
