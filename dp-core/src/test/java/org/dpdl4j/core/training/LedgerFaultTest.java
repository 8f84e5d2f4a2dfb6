package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/**
 * A ledger that cannot be written stops DP-SGD before the next step, through the trainer: an unwritable
 * path, the ledger's directory removed mid-run, a full disk from the first write ({@code /dev/full}) and a
 * disk that fills mid-run (a child JVM under {@code ulimit -f}). Each time the error says what happened,
 * and the step that could not be recorded changed neither the parameters nor the updater state.
 */
class LedgerFaultTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private static MultiLayerNetwork adamNetwork() {
        return FaultInjectionChild.network(new Adam(0.01));
    }

    private static DpSgdConfig config(Path ledger) {
        return DpSgdConfig.builder().delta(1e-5).seed(5).ledger(ledger).batchSize(8).clipNorm(1).noiseMultiplier(1).build();
    }

    /** Parameters, updater state and iteration count, to compare before and after a failed step. */
    private record Snapshot(INDArray params, INDArray updater, int iteration) {
        static Snapshot of(MultiLayerNetwork net) {
            return new Snapshot(net.params().dup(), net.getUpdater().getStateViewArray().dup(), net.getIterationCount());
        }

        void assertSame(MultiLayerNetwork net, String when) {
            assertTrue(params.equalsWithEps(net.params(), 0), "parameters changed " + when);
            assertTrue(updater.equalsWithEps(net.getUpdater().getStateViewArray(), 0), "updater state changed " + when);
            assertEquals(iteration, net.getIterationCount(), "iteration count changed " + when);
        }
    }

    private void assertRefusedAtSetup(Path ledger, String... keywords) {
        MultiLayerNetwork net = adamNetwork();
        Snapshot before = Snapshot.of(net);
        var e = assertThrows(UncheckedIOException.class, () -> DpSgdTrainer.makePrivate(net, FaultInjectionChild.data(),
                config(ledger)));
        assertTrue(e.getMessage().contains("cannot open the privacy ledger"), e.getMessage());
        for (String k : keywords) {
            assertTrue(e.getMessage().contains(k), "'" + k + "' missing from: " + e.getMessage());
        }
        before.assertSame(net, "by a refused setup");
    }

    @Test
    void unwritableLedgerPathsAreRefusedBeforeAnyStep() throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "x");
        assertRefusedAtSetup(file.resolve("ledger.jsonl"), "is not a directory");
        assertRefusedAtSetup(dir.resolve("missing/ledger.jsonl"), "does not exist", "create the directory");
        assertRefusedAtSetup(dir, "is a directory", "give a file path");
        if (ChildJvm.onLinux()) {
            // No one, not even root, can create a file in /proc.
            assertRefusedAtSetup(Path.of("/proc/dpdl4j-ledger.jsonl"), "for writing", "writable file");
        }
    }

    @Test
    void readOnlyDirectoryAndReadOnlyLedgerAreRefused() throws Exception {
        assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"), "POSIX permissions");
        Path locked = Files.createDirectories(dir.resolve("locked"));
        Path existing = locked.resolve("existing.jsonl");
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(adamNetwork(), FaultInjectionChild.data(), config(existing))) {
            t.step();
        }
        byte[] recorded = Files.readAllBytes(existing);
        Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("r--r--r--"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(Files.isWritable(locked), "permissions do not bind this user (root)");
            assertRefusedAtSetup(locked.resolve("new.jsonl"), "for writing", "writable file");
            assertRefusedAtSetup(existing, "for writing", "writable file");
            assertArrayEquals(recorded, Files.readAllBytes(existing));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(existing, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    @Test
    void ledgerDirectoryRemovedMidRunStopsTrainingBeforeTheNextStep() throws Exception {
        Path runDir = Files.createDirectories(dir.resolve("run"));
        MultiLayerNetwork net = adamNetwork();
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, FaultInjectionChild.data(), config(runDir.resolve("ledger.jsonl")))) {
            for (int s = 0; s < 3; s++) {
                t.step();
            }
            deleteRecursively(runDir);
            Snapshot before = Snapshot.of(net);
            var e = assertThrows(UncheckedIOException.class, t::step);
            assertTrue(e.getMessage().contains("no step was taken") && e.getMessage().contains("deleted or moved")
                    && e.getMessage().contains("restore"), e.getMessage());
            before.assertSame(net, "by a step whose record failed");
            assertEquals(3, t.steps(), "the failed step is not counted as taken");
            assertThrows(UncheckedIOException.class, () -> t.fit(1), "training stays stopped");
            before.assertSame(net, "by a retried step");
            assertEquals(0.0, net.getFlattenedGradients().norm2Number().doubleValue(),
                    "the un-noised gradient sum must not be left in the gradient view");
        }
    }

    @Test
    void fullDiskFromTheFirstWriteStopsTrainingWithoutAnUpdate() throws Exception {
        Path devFull = Path.of("/dev/full");
        assumeTrue(ChildJvm.onLinux() && Files.exists(devFull), "/dev/full (every write fails with ENOSPC)");
        Path ledger = Files.createSymbolicLink(dir.resolve("ledger.jsonl"), devFull);
        MultiLayerNetwork net = adamNetwork();
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, FaultInjectionChild.data(), config(ledger))) {
            Snapshot before = Snapshot.of(net);
            var e = assertThrows(UncheckedIOException.class, t::step);
            assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains("no step was taken"),
                    e.getMessage());
            before.assertSame(net, "by a step whose record hit a full disk");
            // /dev/full cannot be truncated either, so the ledger cannot prove the partial write gone and stops.
            var again = assertThrows(UncheckedIOException.class, t::step);
            assertTrue(again.getMessage().contains("refuses further appends"), again.getMessage());
            before.assertSame(net, "by a retried step");
            assertEquals(0, t.steps());
            assertEquals(0, t.ledger().size());
        } finally {
            Files.delete(ledger);
        }
    }

    /**
     * The disk fills after some steps: the child trains under a 4 KiB file-size limit, so its ledger's
     * append gets EFBIG ("File too large") halfway through a line, exactly as with ENOSPC on a full disk.
     */
    @Test
    void diskFillingMidRunStopsTrainingAndLeavesAValidLedger() throws Exception {
        assumeTrue(ChildJvm.onLinux() && Files.isExecutable(Path.of("/bin/bash")), "bash's ulimit -f on Linux");
        Path log = dir.resolve("fill.log");
        Process child = ChildJvm.start(log, 4, "fill", dir.toString());
        try {
            assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        } finally {
            child.destroyForcibly();
        }
        String out = ChildJvm.tail(log);
        assertEquals(0, child.exitValue(), out);
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        long applied = lines.stream().filter(l -> l.startsWith("step ")).count();
        String failed = lines.stream().filter(l -> l.startsWith("failed ")).findFirst().orElseThrow(() -> new AssertionError(out));
        assertTrue(applied >= 2, "some steps fit under the limit:\n" + out);
        assertTrue(failed.contains("UncheckedIOException") && failed.contains("File too large")
                && failed.contains("no step was taken") && failed.contains("nothing was recorded"), failed);
        assertTrue(lines.contains("unchanged true"), "the failed step changed the network:\n" + out);
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("second-failed ") && l.contains("File too large")),
                "the next step must fail too:\n" + out);
        assertTrue(lines.contains("unchanged-after-retry true"), out);
        assertTrue(lines.contains("steps " + applied), out);
        // The partial line was rolled back: the ledger parses and holds exactly the applied steps.
        Path ledger = dir.resolve("ledger.jsonl");
        assertEquals(applied, PrivacyLedger.read(ledger).size());
        assertTrue(Files.size(ledger) <= 4096);
    }

    private static void deleteRecursively(Path p) throws Exception {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
        assertFalse(Files.exists(p));
    }
}
