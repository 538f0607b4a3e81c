package org.clusterlabs.rss.recovery;

/** What a copy's status hook reported, by OCF exit code (as Pacemaker's resource agents do). */
public enum StatusReport {
    /** Exit 8. */
    RUNNING_PRIMARY,
    /** Exit 0. */
    RUNNING_SECONDARY,
    /** Exit 7. */
    NOT_RUNNING,
    /** Any other exit code, a timeout or a lost connection. */
    FAILED;

    public static StatusReport fromOcfExitCode(int code) {
        return switch (code) {
            case 0 -> RUNNING_SECONDARY;
            case 8 -> RUNNING_PRIMARY;
            case 7 -> NOT_RUNNING;
            default -> FAILED;
        };
    }

    public boolean isRunning() {
        return this == RUNNING_PRIMARY || this == RUNNING_SECONDARY;
    }
}
