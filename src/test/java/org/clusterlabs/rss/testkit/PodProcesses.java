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
        byte[] needle = (UID_VAR + "=" + podUid + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] needleAtStart = needle;
        List<Long> pids = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) entries::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (pid == self) {
                    continue;
                }
                byte[] env;
                try {
                    env = Files.readAllBytes(p.resolve("environ"));
                } catch (IOException | SecurityException e) {
                    continue; // gone, or not ours
                }
                if (containsEntry(env, needleAtStart)) {
                    pids.add(pid);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc", e);
        }
        return pids;
    }

    /** SIGKILLs every process of the pod, repeating until none is left (a dying shell may fork once more). */
    public static int killAll(String podUid) {
        int killed = 0;
        for (int round = 0; round < 20; round++) {
            List<Long> pids = find(podUid);
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

    /**
     * SIGKILLs every process of every given pod, finding them in one pass over {@code /proc} per round (not one pass
     * per pod): the processes of all the pods die together, as in one power cut. Returns how many were killed.
     */
    public static int killAll(java.util.Collection<String> podUids) {
        List<byte[]> needles = podUids.stream()
                .map(uid -> (UID_VAR + "=" + uid + "\0").getBytes(StandardCharsets.UTF_8)).toList();
        int killed = 0;
        long self = ProcessHandle.current().pid();
        for (int round = 0; round < 20 && !needles.isEmpty(); round++) {
            List<Long> pids = new ArrayList<>();
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
                        continue;
                    }
                    for (byte[] needle : needles) {
                        if (containsEntry(env, needle)) {
                            pids.add(Long.parseLong(name));
                            break;
                        }
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException("cannot list /proc", e);
            }
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
