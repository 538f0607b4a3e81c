package org.clusterlabs.rss.hooks;

import org.clusterlabs.rss.recovery.HookKind;

import java.math.BigInteger;
import org.clusterlabs.rss.recovery.SequenceResult;
import org.clusterlabs.rss.recovery.StatusReport;

/** Typed readings of hook results, per the hook contract (docs/hooks.md). */
public final class HookResults {

    private static final int QUOTE_MAX = 80;
    private static final BigInteger LONG_MAX = BigInteger.valueOf(Long.MAX_VALUE);

    private HookResults() {
    }

    /**
     * A sequence hook result: {@link SequenceResult.Known} only for exit 0 with stdout that, trimmed, is one base-10
     * integer in [0, Long.MAX_VALUE] (an optional leading {@code +} is refused, as is anything else). Every other
     * result is {@link SequenceResult.Unknown} with a reason that quotes what the hook did.
     */
    public static SequenceResult parseSequence(HookResult result) {
        String pod = result.invocation().pod();
        if (!(result.outcome() instanceof HookOutcome.Succeeded)) {
            return new SequenceResult.Unknown("sequence hook on " + pod + " did not succeed: " + result.outcome()
                    + stderrSuffix(result));
        }
        if (result.stdout().truncated()) {
            return new SequenceResult.Unknown("sequence hook on " + pod + " printed " + result.stdout().totalBytes()
                    + " bytes, more than the output cap, not one integer");
        }
        String out = result.stdout().text().strip();
        if (out.isEmpty()) {
            return new SequenceResult.Unknown("sequence hook on " + pod + " printed nothing, not an integer");
        }
        if (!out.chars().allMatch(c -> c >= '0' && c <= '9')) {
            String why = out.startsWith("-") && out.length() > 1 && out.substring(1).chars().allMatch(Character::isDigit)
                    ? "a negative number" : "not an integer";
            return new SequenceResult.Unknown("sequence hook on " + pod + " printed " + quote(out) + ", " + why);
        }
        BigInteger value = new BigInteger(out);
        if (value.compareTo(LONG_MAX) > 0) {
            return new SequenceResult.Unknown("sequence hook on " + pod + " printed " + quote(out)
                    + ", which overflows a 64-bit sequence");
        }
        return new SequenceResult.Known(value.longValueExact());
    }

    /**
     * A status hook result, by OCF exit code: 0 running as secondary, 8 running as primary, 7 not running; any other
     * exit code, a timeout, a lost connection or a missing pod/container is {@link StatusReport#FAILED}.
     */
    public static StatusReport statusOf(HookResult result) {
        var code = result.exitCode();
        return code.isPresent() ? StatusReport.fromOcfExitCode(code.getAsInt()) : StatusReport.FAILED;
    }

    /** Whether this result counts as a failure of its hook (status exit 0/7/8 are answers, not failures). */
    public static boolean isFailure(HookResult result) {
        if (result.invocation().hook() == HookKind.STATUS) {
            return statusOf(result) == StatusReport.FAILED;
        }
        return !result.succeeded();
    }

    static String quote(String s) {
        String q = s.length() > QUOTE_MAX ? s.substring(0, QUOTE_MAX) + "..." : s;
        return "\"" + q.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n").replace("\r", "\\r") + "\"";
    }

    private static String stderrSuffix(HookResult result) {
        String line = result.stderr().firstLine();
        return line.isEmpty() ? "" : " (stderr: " + quote(line) + ")";
    }
}
