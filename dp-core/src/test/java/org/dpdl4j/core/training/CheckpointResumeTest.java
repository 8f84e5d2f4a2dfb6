package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.sampling.Batch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

class CheckpointResumeTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    private DpSgdConfig config(Path ledger) {
        return DpSgdConfig.builder().delta(1e-5).seed(21).ledger(ledger).batchSize(8).clipNorm(1).noiseMultiplier(1.1).build();
    }

    private static Batch empty() {
        return new Batch(Nd4j.create(DataType.DOUBLE, 0, 5), Nd4j.create(DataType.DOUBLE, 0, 3), 0, new long[0]);
    }

    @Test
    void resumeKeepsEveryRecordedStepAndContinuesNumbering() throws Exception {
        DataSet d = DpSgdTrainerTest.data(80, 5, 1);
        Path ledger = dir.resolve("run.jsonl");
        Path ckpt = dir.resolve("ckpt");
        double epsAfterFive;
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(DpSgdTrainerTest.mlp(new Adam(0.01), 5, 4), d, config(ledger))) {
            for (int s = 0; s < 3; s++) {
                t.step();
            }
            t.checkpoint(ckpt);
            t.step();
            t.step(); // steps after the checkpoint: spent, and must stay counted after a crash
            epsAfterFive = t.epsilon();
        }
        try (DpSgdTrainer r = DpSgdTrainer.resume(ckpt, d, config(ledger))) {
            assertEquals(5, r.steps(), "numbering continues after every recorded step");
            assertTrue(r.epsilon() >= epsAfterFive, "epsilon after resume " + r.epsilon() + " < spent " + epsAfterFive);
            r.step();
            assertEquals(6, r.steps());
        }
        assertEquals(6, PrivacyLedger.read(ledger).size());
    }

    @Test
    void resumedRunNeverReplaysTheNoiseStream() throws Exception {
        DataSet d = DpSgdTrainerTest.data(80, 5, 2);
        Path ledger = dir.resolve("noise.jsonl");
        Path ckpt = dir.resolve("ckpt");
        INDArray atCheckpoint;
        INDArray firstRunStep;
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(DpSgdTrainerTest.mlp(new Adam(0.01), 5, 4), d, config(ledger))) {
            t.step();
            t.checkpoint(ckpt);
            atCheckpoint = t.network().params().dup();
            t.stepOn(empty());
            firstRunStep = t.network().params().sub(atCheckpoint);
        }
        INDArray secondRunStep;
        try (DpSgdTrainer r = DpSgdTrainer.resume(ckpt, d, config(ledger))) {
            assertTrue(atCheckpoint.equalsWithEps(r.network().params(), 0), "the checkpoint restores the parameters");
            r.stepOn(empty());
            secondRunStep = r.network().params().sub(atCheckpoint);
        }
        assertFalse(firstRunStep.equalsWithEps(secondRunStep, 1e-12),
                "a seeded resume must draw a fresh noise stream, not replay the one already released");
    }

    @Test
    void updaterStateSurvivesTheCheckpoint() {
        DataSet d = DpSgdTrainerTest.data(80, 5, 3);
        Path ckpt = dir.resolve("ckpt");
        INDArray state;
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(DpSgdTrainerTest.mlp(new Adam(0.01), 5, 4), d, config(dir.resolve("u.jsonl")))) {
            t.fit(1);
            state = t.network().getUpdater().getStateViewArray().dup();
            t.checkpoint(ckpt);
        }
        MultiLayerNetwork restored = Checkpoint.readNetwork(ckpt);
        assertTrue(state.equalsWithEps(restored.getUpdater().getStateViewArray(), 0), "Adam moments must be restored");
    }

    @Test
    void resumingWithAnotherLedgerIsRefused() throws Exception {
        DataSet d = DpSgdTrainerTest.data(80, 5, 4);
        Path ckpt = dir.resolve("ckpt");
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(DpSgdTrainerTest.mlp(new Adam(0.01), 5, 4), d, config(dir.resolve("a.jsonl")))) {
            t.step();
            t.checkpoint(ckpt);
        }
        var e = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.resume(ckpt, d, config(dir.resolve("b.jsonl"))));
        assertTrue(e.getMessage().contains("same ledger"), e.getMessage());
        Files.writeString(ckpt.resolve("state.json"), "{ truncated");
        var damaged = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.resume(ckpt, d, config(dir.resolve("a.jsonl"))));
        assertTrue(damaged.getMessage().contains("damaged"), damaged.getMessage());
    }
}
