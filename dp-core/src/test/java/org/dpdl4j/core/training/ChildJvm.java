package org.dpdl4j.core.training;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Starts {@link FaultInjectionChild} in a separate JVM on this test's classpath, so that it can really be killed. */
final class ChildJvm {

    private ChildJvm() {
    }

    static boolean onLinux() {
        return System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux");
    }

    /**
     * Starts the child with its stdout and stderr going to {@code log}.
     *
     * @param fileSizeLimitKib if positive, the child runs under {@code ulimit -f} (bash, 1024-byte units), so
     *     its file writes fail with EFBIG ("File too large") beyond that size, as on a full disk
     */
    static Process start(Path log, int fileSizeLimitKib, String... args) throws IOException {
        List<String> java = new ArrayList<>();
        java.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // Small and quick to start; no perf-data file (it would be a write outside the test's control).
        java.addAll(List.of("-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"));
        java.add("-cp");
        java.add(System.getProperty("java.class.path"));
        java.add(FaultInjectionChild.class.getName());
        java.addAll(List.of(args));
        List<String> command;
        if (fileSizeLimitKib > 0) {
            command = new ArrayList<>(List.of("bash", "-c", "ulimit -f " + fileSizeLimitKib + " && exec \"$@\"", "child"));
            command.addAll(java);
        } else {
            command = java;
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }

    /** The last lines of a child's log, for failure messages. */
    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
