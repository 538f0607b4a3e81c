package org.clusterlabs.rss.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * The real MariaDB Galera servers of a tier-3 test, seen from outside the operator: one per copy, each with its
 * datadir {@code <copy dir>/data} and runtime dir {@code <copy dir>/run} as the hooks of {@code examples/galera/hooks}
 * lay them out. The writer (autocommit rows whose acknowledgement is recorded), the lost-row check, SQL through each
 * server's unix socket, wsrep status variables, and the "most advanced" set-up (clean stops in order, writing in
 * between, and a SIGKILL of the last). Shared by the in-memory tier's and the control plane's Galera tests.
 */
public final class GaleraNodes {

    /** Shortened failure detection (the default suspect timeout is 5 s), appended to wsrep_provider_options. */
    public static final String EVS = "evs.suspect_timeout=PT2S;evs.inactive_timeout=PT4S;evs.install_timeout=PT4S;"
            + "evs.keepalive_period=PT0.5S;evs.inactive_check_period=PT0.5S";
    public static final int ROWS_PER_PHASE = 40;
    /** Held ({@code flock}) by every Galera test for its whole run: their addresses and names are fixed. */
    public static final String LOCK = "/tmp/rss-galera-lights-out.lock";
    public static final Duration SHORT = Duration.ofSeconds(60);

    private final int n;
    private final IntFunction<String> pod;
    private final IntFunction<Path> dir;
    private final Consumer<String> say;
    private final Set<Long> acked = new TreeSet<>();
    private long nextId = 1;

    /** {@code n} copies; {@code pod(i)} names copy i in messages; {@code dir(i)} holds its data and run dirs. */
    public GaleraNodes(int n, IntFunction<String> pod, IntFunction<Path> dir, Consumer<String> say) {
        this.n = n;
        this.pod = pod;
        this.dir = dir;
        this.say = say;
    }

    /** The hooks' environment for a datadir and a runtime dir (timeouts below the hooks' own). */
    public static Map<String, String> env(String datadir, String rundir) {
        return Map.of(
                "GALERA_DATADIR", datadir,
                "GALERA_RUNDIR", rundir,
                "GALERA_PROVIDER_OPTIONS", EVS,
                "GALERA_SST_METHOD", "rsync",
                "GALERA_START_TIMEOUT", "130",
                "GALERA_STOP_TIMEOUT", "50",
                "GALERA_RECOVER_TIMEOUT", "100");
    }

    /** The ids of every row a server acknowledged so far. */
    public Set<Long> acked() {
        return Collections.unmodifiableSet(acked);
    }

    public Path errorLog(int i) {
        return dir.apply(i).resolve("data/mariadb.err");
    }

    // ------------------------------------------------------------------------------------------------ SQL

    private RealAppRig.Result client(int i, String stdin) throws Exception {
        List<String> cmd = List.of("mariadb", "--no-defaults",
                "--socket=" + dir.apply(i).resolve("run/mysqld.sock"), "-uroot", "--batch",
                "--skip-column-names", "--connect-timeout=10");
        RealAppRig.Result r = RealAppRig.run(cmd, stdin, Duration.ofSeconds(120));
        if (r.rc() == -1) {
            throw new AssertionError("mariadb client on " + pod.apply(i) + " timed out");
        }
        return r;
    }

    public String sql(int i, String statement) throws Exception {
        RealAppRig.Result r = client(i, statement + "\n");
        if (r.rc() != 0) {
            throw new AssertionError("SQL on " + pod.apply(i) + " failed (" + r.rc() + "): " + r.err().strip());
        }
        return r.out();
    }

    public String statusVar(int i, String name) throws Exception {
        String out = sql(i, "SHOW GLOBAL STATUS LIKE '" + name + "'").trim();
        String[] f = out.split("\t");
        return f.length > 1 ? f[1] : "";
    }

    public String statusVarOrNull(int i, String name) {
        try {
            return statusVar(i, name);
        } catch (Exception | AssertionError e) {
            return null;
        }
    }

    /** Every server Synced in a cluster of all {@code n}. */
    public void awaitAllSynced() {
        await().atMost(SHORT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            for (int i = 0; i < n; i++) {
                assertThat(statusVarOrNull(i, "wsrep_local_state_comment")).as(pod.apply(i)).isEqualTo("Synced");
                assertThat(statusVarOrNull(i, "wsrep_cluster_size")).as(pod.apply(i)).isEqualTo(String.valueOf(n));
            }
        });
    }

    /**
     * One cluster of all {@code n}, every server in the Primary Component with the same state UUID; returns each
     * server's checksum of the acknowledged rows' table.
     */
    public List<String> assertOneCluster() throws Exception {
        List<String> sums = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            assertThat(statusVar(i, "wsrep_cluster_size")).as(pod.apply(i) + " cluster size")
                    .isEqualTo(String.valueOf(n));
            assertThat(statusVar(i, "wsrep_cluster_status")).as(pod.apply(i)).isEqualTo("Primary");
            sums.add(sql(i, "CHECKSUM TABLE rss.acked").trim().split("\t")[1]);
        }
        String uuid = statusVar(0, "wsrep_cluster_state_uuid");
        for (int i = 1; i < n; i++) {
            assertThat(statusVar(i, "wsrep_cluster_state_uuid")).as("one cluster").isEqualTo(uuid);
        }
        return sums;
    }

    // ------------------------------------------------------------------------------------------------ rows

    /** The table of acknowledged rows, created through copy i (it replicates to the others). */
    public void createTable(int i) throws Exception {
        sql(i, "CREATE DATABASE rss; CREATE TABLE rss.acked (id BIGINT PRIMARY KEY, via INT NOT NULL, "
                + "note VARCHAR(100), at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB");
    }

    /** Inserts ROWS_PER_PHASE autocommit rows through copy i; records the ids the server acknowledged. */
    public void write(int i) throws Exception {
        StringBuilder in = new StringBuilder();
        long first = nextId;
        for (int k = 0; k < ROWS_PER_PHASE; k++) {
            long id = nextId++;
            in.append("INSERT INTO rss.acked (id, via, note) VALUES (").append(id).append(", ").append(i)
                    .append(", REPEAT('x', 64)); SELECT ").append(id).append(";\n");
        }
        RealAppRig.Result r = client(i, in.toString());
        int ok = 0;
        for (String l : r.out().split("\n")) {
            if (!l.isBlank()) {
                long id = Long.parseLong(l.trim());
                if (id >= first && id < nextId) {
                    acked.add(id);
                    ok++;
                }
            }
        }
        say.accept("wrote " + ok + "/" + ROWS_PER_PHASE + " acknowledged rows via " + pod.apply(i)
                + " (acked total " + acked.size() + ")"
                + (r.rc() == 0 ? "" : ", client exit " + r.rc() + ": " + r.err().strip()));
        assertThat(ok).as("rows acknowledged by a healthy node").isEqualTo(ROWS_PER_PHASE);
    }

    /** How many acknowledged rows copy i lacks (a causal read: it waits for what the cluster committed). */
    public long lost(int i) throws Exception {
        Set<Long> present = new TreeSet<>();
        for (String l : sql(i, "SET SESSION wsrep_sync_wait=1; SELECT id FROM rss.acked").split("\n")) {
            if (!l.isBlank()) {
                present.add(Long.parseLong(l.trim()));
            }
        }
        return acked.stream().filter(id -> !present.contains(id)).count();
    }

    // ------------------------------------------------------------------------------------------------ processes

    public long serverPid(int i) throws IOException {
        Path pidFile = dir.apply(i).resolve("run/mysqld.pid");
        return Long.parseLong(Files.readString(pidFile).replaceAll("[^0-9]", ""));
    }

    /**
     * Makes the last of {@code order} strictly the most advanced: writes through each copy in order, SIGTERMs all
     * but the last (clean stops: the survivors stay a Primary Component and go on taking writes), SIGKILLs the last.
     */
    public void stopInOrder(List<Integer> order) throws Exception {
        for (int k = 0; k < order.size(); k++) {
            int i = order.get(k);
            write(i);
            long pid = serverPid(i);
            boolean last = k == order.size() - 1;
            ProcessHandle h = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no mariadbd " + pid));
            if (last) {
                h.destroyForcibly();
            } else {
                h.destroy(); // SIGTERM: a clean shutdown writes the seqno to grastate.dat
            }
            RealAppRig.awaitGone(pid, Duration.ofSeconds(120));
            say.accept((last ? "SIGKILL " : "SIGTERM ") + pod.apply(i)
                    + (last ? " (most advanced)" : " (clean stop)"));
        }
    }

    /** Live (non-zombie) mariadbd processes whose command line names a path under {@code base}. */
    public static List<Long> mariadbds(Path base) {
        return RealAppRig.processes("mariadbd", base.toString() + "/");
    }

    /** SIGKILLs them; returns how many there were. */
    public static int killMariadbds(Path base) {
        List<Long> pids = mariadbds(base);
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        return pids.size();
    }
}
