package org.clusterlabs.rss.hooks;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One output stream of a hook, capped.
 *
 * @param bytes the first {@code cap} bytes the command wrote
 * @param totalBytes how many bytes the command wrote in all (also counting the ones dropped)
 * @param truncated whether bytes were dropped
 */
public record CapturedOutput(byte[] bytes, long totalBytes, boolean truncated) {

    public static final CapturedOutput EMPTY = new CapturedOutput(new byte[0], 0, false);

    /** The captured bytes as UTF-8 (malformed input, e.g. a character cut by the cap, is replaced). */
    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** The first non-blank line, trimmed, at most 200 characters; empty if there is none. */
    public String firstLine() {
        return Arrays.stream(text().split("\n")).map(String::strip).filter(t -> !t.isEmpty()).findFirst()
                .map(CapturedOutput::shortened).orElse("");
    }

    /** The last non-blank line (where a failing program usually says why), trimmed, at most 200 characters. */
    public String lastLine() {
        return Arrays.stream(text().split("\n")).map(String::strip).filter(t -> !t.isEmpty())
                .reduce((first, second) -> second).map(CapturedOutput::shortened).orElse("");
    }

    private static String shortened(String line) {
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    @Override
    public String toString() {
        return "CapturedOutput[" + bytes.length + " of " + totalBytes + " bytes" + (truncated ? ", truncated" : "") + "]";
    }
}
