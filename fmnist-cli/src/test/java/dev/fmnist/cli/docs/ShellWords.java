package dev.fmnist.cli.docs;

import java.util.ArrayList;
import java.util.List;

/**
 * A documented command line split into words as bash would for a simple command: single quotes
 * literal, double quotes with backslash escapes, a backslash outside quotes escaping the next
 * character, a {@code #} starting a word ends the line. What a simple command cannot be (a pipe, a
 * redirection, a list, an expansion) is noted rather than interpreted, so a caller can refuse to run
 * it in-process.
 *
 * @param words the words, quotes removed
 * @param simple false when the line pipes, redirects, chains commands or expands something ({@code $}, a glob)
 */
record ShellWords(List<String> words, boolean simple) {

    static ShellWords split(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean simple = true;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else if (c == '#' && !inWord) {
                break;
            } else if (c == '\'') {
                int end = line.indexOf('\'', i + 1);
                if (end < 0) {
                    throw new IllegalArgumentException("an unclosed ' in: " + line);
                }
                word.append(line, i + 1, end);
                inWord = true;
                i = end;
            } else if (c == '"') {
                boolean[] expands = {false};
                i = doubleQuoted(line, i + 1, word, expands);
                inWord = true;
                simple &= !expands[0];
            } else if (c == '\\' && i + 1 < line.length()) {
                word.append(line.charAt(++i));
                inWord = true;
            } else {
                if ("|&;<>()$*?`".indexOf(c) >= 0) {
                    simple = false;
                }
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return new ShellWords(List.copyOf(words), simple);
    }

    /**
     * Appends the double-quoted text from {@code start}; returns the index of the closing quote and
     * sets {@code expands[0]} when an unescaped {@code $} or backquote would expand something.
     */
    private static int doubleQuoted(String line, int start, StringBuilder word, boolean[] expands) {
        for (int i = start; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                return i;
            }
            if (c == '\\' && i + 1 < line.length() && "\"\\$`".indexOf(line.charAt(i + 1)) >= 0) {
                c = line.charAt(++i);
            } else if (c == '$' || c == '`') {
                expands[0] = true;
            }
            word.append(c);
        }
        throw new IllegalArgumentException("an unclosed \" in: " + line);
    }
}
