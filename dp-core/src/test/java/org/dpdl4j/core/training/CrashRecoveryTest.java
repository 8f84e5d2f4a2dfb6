package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.dpdl4j.accountant.ledger.CorruptLedgerException;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.sampling.Batch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The states a crash can leave that {@link KillAndResumeTest} reaches only by chance, built on purpose: an
 * append cut off mid-line, a checkpoint replaced halfway, and a seeded restart without a checkpoint.
 */
class CrashRecoveryTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private DpSgdConfig config() {
        return FaultInjectionChild.config(dir);
    }

    private Path ledger() {
        return dir.resolve("ledger.jsonl");
    }

    private static Batch empty() {
        return new Batch(Nd4j.create(DataType.DOUBLE, 0, FaultInjectionChild.IN), Nd4j.create(DataType.DOUBLE, 0, 3), 0,
                new long[0]);
    }

    @Test
    void resumeRemovesAnIncompleteFinalLedgerLineAndNothingElse() throws Exception {
        DataSet data = FaultInjectionChild.data();
        Path ckpt = dir.resolve("ckpt");
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config())) {
            t.step();
            t.step();
            t.checkpoint(ckpt);
            t.step();
        }
        byte[] complete = Files.readAllBytes(ledger());
        // What a crash during the fourth append leaves: part of a line, no newline. That step never ran.
        Files.writeString(ledger(), "{\"format_version\":1,\"seq\":4,\"time\":\"20", StandardCharsets.UTF_8,
                StandardOpenOption.APPEND);
        var e = assertThrows(UncheckedIOException.class, () -> DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data,
                config()), "a fresh start does not repair: only resume knows the step never ran");
        assertTrue(e.getCause() instanceof CorruptLedgerException c && c.problem().contains("incomplete")
                && e.getMessage().contains("discardIncompleteFinalLine"), e.getMessage());

        try (DpSgdTrainer r = DpSgdTrainer.resume(ckpt, data, config())) {
            assertArrayEquals(complete, Files.readAllBytes(ledger()), "only the incomplete line is removed");
            assertEquals(3, r.steps(), "numbering continues after the complete records");
            assertTrue(r.report().notes().stream().anyMatch(n -> n.contains("incomplete final ledger line")),
                    r.report().notes().toString());
            r.step();
        }
        List<LedgerRecord> records = PrivacyLedger.read(ledger());
        assertEquals(4, records.size());
        assertEquals(3, records.get(3).firstStep());
    }

    @Test
    void resumeRefusesAnyOtherLedgerDamageAndLeavesTheFileAlone() throws Exception {
        DataSet data = FaultInjectionChild.data();
        Path ckpt = dir.resolve("ckpt");
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config())) {
            t.step();
            t.checkpoint(ckpt);
            t.step();
        }
        List<String> lines = Files.readAllLines(ledger());
        Files.write(ledger(), List.of(lines.get(1)));
        byte[] damaged = Files.readAllBytes(ledger());
        var e = assertThrows(UncheckedIOException.class, () -> DpSgdTrainer.resume(ckpt, data, config()));
        assertTrue(e.getCause() instanceof CorruptLedgerException c && c.lineNumber() == 1
                && e.getMessage().contains("restore it from a backup"), e.getMessage());
        assertArrayEquals(damaged, Files.readAllBytes(ledger()));
    }

    /** A crash between the two renames of a checkpoint write leaves only ckpt.old (complete) and ckpt.tmp. */
    @Test
    void crashWhileReplacingACheckpointResumesFromThePreviousOne() throws Exception {
        DataSet data = FaultInjectionChild.data();
        Path ckpt = dir.resolve("ckpt");
        INDArray atFirstCheckpoint;
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config())) {
            t.step();
            t.step();
            t.checkpoint(ckpt);
            atFirstCheckpoint = t.network().params().dup();
            t.step();
            t.checkpoint(dir.resolve("newer"));
        }
        Files.move(ckpt, dir.resolve("ckpt.old"));
        Files.move(dir.resolve("newer"), dir.resolve("ckpt.tmp"));

        try (DpSgdTrainer r = DpSgdTrainer.resume(ckpt, data, config())) {
            assertTrue(atFirstCheckpoint.equalsWithEps(r.network().params(), 0), "the previous checkpoint is restored");
            assertEquals(3, r.steps(), "and every recorded step still counts");
            assertTrue(r.report().notes().stream().anyMatch(n -> n.contains("previous one")), r.report().notes().toString());
            r.step();
            r.checkpoint(ckpt);
        }
        assertTrue(Files.isRegularFile(ckpt.resolve("state.json")));
        assertFalse(Files.exists(dir.resolve("ckpt.old")), "the fallback is cleaned up once a new checkpoint is in place");
        assertFalse(Files.exists(dir.resolve("ckpt.tmp")));
    }

    /** Restarting a seeded run from scratch on its ledger (no checkpoint) must not replay its first noise stream. */
    @Test
    void seededRestartOnAUsedLedgerDrawsFreshNoise() throws Exception {
        DataSet data = FaultInjectionChild.data();
        INDArray first;
        INDArray second;
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config())) {
            INDArray before = t.network().params().dup();
            t.stepOn(empty());
            first = t.network().params().sub(before);
        }
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data, config())) {
            INDArray before = t.network().params().dup();
            t.stepOn(empty());
            second = t.network().params().sub(before);
            assertEquals(2, t.steps());
        }
        // Noise-only steps of the same network: equal updates would mean the same noise was released twice.
        assertFalse(first.equalsWithEps(second, 1e-12), "the restarted run replayed the noise of the first");
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(FaultInjectionChild.network(), data,
                FaultInjectionChild.config(Files.createDirectories(dir.resolve("other"))))) {
            INDArray before = t.network().params().dup();
            t.stepOn(empty());
            assertTrue(first.equalsWithEps(t.network().params().sub(before), 0),
                    "on a new ledger a seeded run is still reproducible");
        }
    }
}
