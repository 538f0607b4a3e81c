package org.clusterlabs.rss.recovery;

/** One copy of the application: its volume (which outlives pods), its pod and its node. */
final class Copy {

    enum App { STOPPED, STARTING, RUNNING, BROKEN }

    final int ordinal;
    final String pod;
    History head = History.EMPTY;
    App app = App.STOPPED;
    boolean primary;
    int cluster;
    boolean podExists;
    int podUid;
    int recreateAt = -1;
    boolean nodeReachable = true;
    int nodeBackAt = -1;
    int revision;
    /** Bumped whenever the app is stopped or killed: a start still in flight from before it has no effect. */
    int incarnation;
    /** The pod's role label, which the client Service selects on; a new pod has none. */
    java.util.Optional<Role> label = java.util.Optional.empty();

    Copy(int ordinal) {
        this.ordinal = ordinal;
        this.pod = "db-" + ordinal;
    }

    boolean runningPrimary() {
        return app == App.RUNNING && primary;
    }

    void kill() {
        app = App.STOPPED;
        incarnation++;
    }

    @Override
    public String toString() {
        return pod + "[" + app + (app == App.RUNNING ? (primary ? "/P" : "/S") + "c" + cluster : "") + " seq="
                + History.depth(head) + (podExists ? "" : " nopod") + (nodeReachable ? "" : " unreachable")
                + " rev=" + revision + "]";
    }
}
