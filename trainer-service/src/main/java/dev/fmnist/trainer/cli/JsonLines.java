package dev.fmnist.trainer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.Map;

/** One JSON object per line, flushed, so a pipe or the benchmark sees each epoch as it ends. */
final class JsonLines {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PrintWriter out;

    JsonLines(PrintWriter out) {
        this.out = out;
    }

    void print(Map<String, ?> row) {
        try {
            out.println(JSON.writeValueAsString(row));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        out.flush();
    }
}
