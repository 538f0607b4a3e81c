package org.clusterlabs.rss.demo;

import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.clusterlabs.rss.api.v1alpha1.MemberStatus;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetStatus;

/**
 * A terminal view of the resource: a redrawn screen on a terminal, and only the frames that changed otherwise (so a
 * piped transcript stays readable).
 */
final class LiveView {

    private static final String CLEAR = "\033[H\033[2J";

    private final boolean terminal;
    private final List<String> said = new ArrayList<>();
    private String lastFrame = "";

    LiveView(boolean terminal) {
        this.terminal = terminal;
    }

    void say(String line) {
        said.add(line);
        if (!terminal) {
            System.out.println("==> " + line);
        }
    }

    void render(String stage, Duration elapsed, ReplicatedStatefulSetStatus s, List<Event> events) {
        String frame = frame(stage, s, events);
        if (frame.equals(lastFrame)) {
            return;
        }
        lastFrame = frame;
        if (terminal) {
            StringBuilder out = new StringBuilder(CLEAR);
            said.forEach(l -> out.append("==> ").append(l).append('\n'));
            out.append(String.format("%n[%5.1fs] ", elapsed.toMillis() / 1000.0)).append(frame);
            System.out.print(out);
        } else {
            System.out.printf("[%5.1fs] %s%n", elapsed.toMillis() / 1000.0, frame);
        }
        System.out.flush();
    }

    private static String frame(String stage, ReplicatedStatefulSetStatus s, List<Event> events) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%s | phase %-10s ready %-5s epoch %-3s seed %s%n", stage,
                s.getPhase() == null ? "-" : s.getPhase(), s.getReady() == null ? "-" : s.getReady(),
                s.getEpoch() == null ? "-" : s.getEpoch(),
                s.getSeed() == null ? "-" : s.getSeed().getPod() + " (sequence " + s.getSeed().getSequence() + ")"));
        b.append(String.format("  %-8s %-10s %-9s %-26s %s%n", "POD", "ROLE", "SEQUENCE", "LAST HOOK", "MESSAGE"));
        for (MemberStatus m : s.getMembers()) {
            String hook = m.getLastHook() == null ? "-" : m.getLastHook() + " " + m.getLastHookOutcome();
            String message = m.getMessage() == null ? "" : m.getMessage();
            b.append(String.format("  %-8s %-10s %-9s %-26s %s%n", m.getPod(), m.getRole(),
                    m.getSequence() == null ? "?" : m.getSequence(), hook,
                    message.length() > 70 ? message.substring(0, 67) + "..." : message));
        }
        List<Event> shown = events.stream().filter(e -> Demo.SHOWN_EVENTS.contains(e.getReason())).toList();
        b.append("  recent events:\n");
        shown.subList(Math.max(0, shown.size() - 6), shown.size()).forEach(e -> b.append(String.format(
                "    %-7s %-18s %s%n", e.getType(), e.getReason(), e.getMessage())));
        return b.toString();
    }
}
