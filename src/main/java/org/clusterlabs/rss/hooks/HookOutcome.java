package org.clusterlabs.rss.hooks;

/**
 * How a hook run ended. Only {@link Succeeded} and {@link Exited} mean the command ran to completion in the
 * container; every other outcome means we do not know what the command did.
 */
public sealed interface HookOutcome {

    /** The metric tag value ({@code outcome}); a small fixed set, never an exit code or a message. */
    String tag();

    /** Exit code 0. */
    record Succeeded() implements HookOutcome {
        @Override
        public String tag() {
            return "succeeded";
        }

        @Override
        public String toString() {
            return "exit 0";
        }
    }

    /** The command ran and exited with a non-zero code. */
    record Exited(int code) implements HookOutcome {
        @Override
        public String tag() {
            return "exited";
        }

        @Override
        public String toString() {
            return "exit " + code;
        }
    }

    /**
     * The timeout passed; the exec stream was closed. The command may still be running in the container: the
     * exec API cannot kill it.
     */
    record TimedOut(java.time.Duration after) implements HookOutcome {
        @Override
        public String tag() {
            return "timed_out";
        }

        @Override
        public String toString() {
            return "timed out after " + after.toMillis() + " ms";
        }
    }

    /**
     * The hook was not started: what it was planned on no longer held when its turn came (a peer's pod is gone or
     * was replaced since the pass planned). The command never ran.
     */
    record NotRun(String reason) implements HookOutcome {
        @Override
        public String tag() {
            return "not_run";
        }

        @Override
        public String toString() {
            return "not run: " + reason;
        }
    }

    /** The API server answered 404 for the pod. */
    record PodNotFound(String pod) implements HookOutcome {
        @Override
        public String tag() {
            return "pod_not_found";
        }

        @Override
        public String toString() {
            return "pod " + pod + " not found";
        }
    }

    /** The pod exists but has no container of that name. */
    record ContainerNotFound(String container, String message) implements HookOutcome {
        @Override
        public String tag() {
            return "container_not_found";
        }

        @Override
        public String toString() {
            return "container " + container + " not found: " + message;
        }
    }

    /** The API server answered 403 (RBAC: the operator needs create and get on pods/exec). */
    record Forbidden(String message) implements HookOutcome {
        @Override
        public String tag() {
            return "forbidden";
        }

        @Override
        public String toString() {
            return "forbidden: " + message;
        }
    }

    /**
     * The command wrote more than the output cap on one stream: the operator stopped reading and closed the exec.
     * The command may still be running in the container.
     */
    record OutputCapExceeded(String stream, int capBytes) implements HookOutcome {
        @Override
        public String tag() {
            return "output_cap_exceeded";
        }

        @Override
        public String toString() {
            return "wrote more than " + capBytes + " bytes on " + stream + "; the exec was closed";
        }
    }

    /**
     * The exec stream ended without an exit status (connection dropped, upgrade refused, the kubelet answered
     * Failure without an exit code, ...). The command may or may not have run.
     */
    record ConnectionLost(String cause) implements HookOutcome {
        @Override
        public String tag() {
            return "connection_lost";
        }

        @Override
        public String toString() {
            return "connection lost: " + cause;
        }
    }
}
