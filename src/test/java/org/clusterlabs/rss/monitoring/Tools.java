package org.clusterlabs.rss.monitoring;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the Prometheus tools ({@code promtool}, {@code prometheus}) that .ci/install-prometheus.sh installs. */
final class Tools {

    record Result(int exitCode, String output) {
    }

    private Tools() {
    }

    /** Fails (never skips) when the tool is missing: these checks must not pass by not running. */
    static void require(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return;
            }
        }
        throw new AssertionError(tool + " is not installed: run `sh .ci/install-prometheus.sh` (Debian's "
                + "prometheus package: prometheus and promtool)");
    }

    static Result run(Path workDir, Duration timeout, List<String> command) throws IOException, InterruptedException {
        require(command.get(0));
        Path out = Files.createTempFile("rss-tool", ".out");
        try {
            Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(command + " did not finish in " + timeout);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
