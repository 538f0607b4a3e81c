package org.clusterlabs.rss.hooks;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * The result of a hook run.
 *
 * @param invocation what was run
 * @param outcome how it ended
 * @param stdout the captured stdout (capped, see {@link CapturedOutput#truncated()})
 * @param stderr the captured stderr (capped)
 * @param duration from the start of the exec (after waiting for a concurrency slot) to the result
 * @param queued how long the run waited for a concurrency slot before it started
 */
public record HookResult(HookInvocation invocation, HookOutcome outcome, CapturedOutput stdout,
        CapturedOutput stderr, Duration duration, Duration queued) {

    /** The exit code when the command ran to completion, empty otherwise. */
    public OptionalInt exitCode() {
        if (outcome instanceof HookOutcome.Succeeded) {
            return OptionalInt.of(0);
        }
        if (outcome instanceof HookOutcome.Exited e) {
            return OptionalInt.of(e.code());
        }
        return OptionalInt.empty();
    }

    public boolean succeeded() {
        return outcome instanceof HookOutcome.Succeeded;
    }

    /** For log lines and status messages: {@code status hook on rss-1: exit 3 (stderr: "boom")}. */
    public String describe() {
        String err = stderr.firstLine();
        return invocation.hook().tag() + " hook on " + invocation.pod() + ": " + outcome
                + (err.isEmpty() ? "" : " (stderr: \"" + err + "\")");
    }
}
