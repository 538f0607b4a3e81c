package org.clusterlabs.rss.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Finds and kills the local processes that belong to a simulated pod. Every process the simulated kubelet starts
 * carries {@code RSS_SIM_POD_UID=<pod uid>} in its environment, and so does everything it forks (daemons started
 * with setsid included), unless a process clears its environment on purpose. {@code /proc/<pid>/environ} is the
 * environment a process started with.
 */
public final class PodProcesses {

    public static final String UID_VAR = "RSS_SIM_POD_UID";

    private PodProcesses() {
    }

    /** PIDs of live processes whose environment carries the marker of this pod UID. */
    public static List<Long> find(String podUid) {
        return find(List.of(podUid));
    }

    /** PIDs of live processes whose environment carries the marker of any of these pod UIDs (one pass over /proc). */
    public static List<Long> find(java.util.Collection<String> podUids) {
        List<byte[]> needles = podUids.stream()
                .map(uid -> (UID_VAR + "=" + uid + "\0").getBytes(StandardCharsets.UTF_8)).toList();
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit) || Long.parseLong(name) == self) {
                    continue;
                }
                byte[] env;
                try {
                    env = Files.readAllBytes(p.resolve("environ"));
                } catch (IOException | SecurityException e) {
                    continue; // gone, or not ours
                }
                if (needles.stream().anyMatch(needle -> containsEntry(env, needle))) {
                    pids.add(Long.parseLong(name));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return pids;
    }

    /** SIGKILLs every process of the pod, repeating until none is left (a dying shell may fork once more). */
    public static int killAll(String podUid) {
        return killAll(List.of(podUid));
    }

    /**
     * SIGKILLs every process of every given pod, finding them in one pass over {@code /proc} per round (not one pass
     * per pod): the processes of all the pods die together, as in one power cut. Repeats until none is left (a dying
     * shell may fork once more). Returns how many were killed.
     */
    public static int killAll(java.util.Collection<String> podUids) {
        int killed = 0;
        for (int round = 0; round < 20 && !podUids.isEmpty(); round++) {
            List<Long> pids = find(podUids);
            if (pids.isEmpty()) {
                return killed;
            }
            for (long pid : pids) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                });
                killed++;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return killed;
            }
        }
        return killed;
    }

    private static boolean containsEntry(byte[] env, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= env.length; i++) {
            if (i > 0 && env[i - 1] != 0) {
                continue; // entries start after a NUL
            }
            for (int j = 0; j < needle.length; j++) {
                if (env[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        // the last entry may lack its trailing NUL
        int n = needle.length - 1;
        if (env.length >= n && (env.length == n || env[env.length - n - 1] == 0)) {
            for (int j = 0; j < n; j++) {
                if (env[env.length - n + j] != needle[j]) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }
}
