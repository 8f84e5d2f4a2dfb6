package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.engine.UnsupportedModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;

/** A trainer restricted to a layer set: noise only there, its own ledger label, and the released-gradient hook. */
class TrainableLayerSetTest {

    @TempDir
    Path dir;

    @Test
    void onlyTheChosenLayersGetGradientAndNoiseAndTheHookSeesTheReleasedValue() throws Exception {
        MultiLayerNetwork net = DpSgdTrainerTest.mlp(new Sgd(0.1), 6, 5);
        DataSet data = DpSgdTrainerTest.data(40, 6, 1);
        long firstLayer = net.getLayer(0).numParams();
        DpSgdConfig cfg = DpSgdConfig.builder().clipNorm(1.0).noiseMultiplier(2.0).delta(1e-5).batchSize(10).seed(3)
                .mechanism("phase-a/dp-sgd").ledger(dir.resolve("l.jsonl")).build();
        INDArray before = net.params().dup();
        double[] seenStd = new double[1];
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, data, cfg, Set.of(1))) {
            assertEquals(Set.of(1), t.trainableLayers());
            t.setReleasedGradientHook((g, std, step) -> {
                seenStd[0] = std;
                INDArray frozenPart = g.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, firstLayer));
                assertEquals(0.0, frozenPart.norm2Number().doubleValue(), 0.0, "no gradient or noise outside the set");
                INDArray trainedPart = g.get(NDArrayIndex.point(0), NDArrayIndex.interval(firstLayer, g.length()));
                assertTrue(trainedPart.norm2Number().doubleValue() > 0);
            });
            for (int s = 0; s < 3; s++) {
                t.step();
            }
        }
        assertEquals(2.0 * 1.0 / 10, seenStd[0], 1e-15, "noise std sigma*C/B");
        INDArray after = net.params().reshape(before.length());
        INDArray start = before.reshape(before.length());
        assertEquals(start.get(NDArrayIndex.interval(0, firstLayer)), after.get(NDArrayIndex.interval(0, firstLayer)),
                "untrained layer unchanged (plain Sgd, no regularization)");
        assertTrue(start.get(NDArrayIndex.interval(firstLayer, start.length()))
                .neq(after.get(NDArrayIndex.interval(firstLayer, start.length()))).any(), "trained layer moved");
        List<LedgerRecord> records = PrivacyLedger.read(dir.resolve("l.jsonl"));
        assertEquals(3, records.size());
        for (LedgerRecord r : records) {
            assertEquals("phase-a/dp-sgd", r.mechanism());
        }
    }

    @Test
    void trainsAboveALayerFrozenByTransferLearning() {
        // TransferLearning's FrozenLayer leaves its inner layer without a gradient view; the engine must not need one.
        MultiLayerNetwork net = new org.deeplearning4j.nn.transferlearning.TransferLearning.Builder(
                DpSgdTrainerTest.mlp(new Sgd(0.1), 6, 5)).setFeatureExtractor(0).build();
        DataSet data = DpSgdTrainerTest.data(40, 6, 1);
        long firstLayer = net.getLayer(0).numParams();
        INDArray before = net.params().dup().reshape(net.numParams());
        DpSgdConfig cfg = DpSgdConfig.builder().clipNorm(1.0).noiseMultiplier(1.0).delta(1e-5).batchSize(10).seed(4)
                .ledger(dir.resolve("tl.jsonl")).build();
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, data, cfg)) {
            assertEquals(Set.of(1), t.trainableLayers());
            t.step();
            t.step();
        }
        INDArray after = net.params().reshape(net.numParams());
        assertEquals(before.get(NDArrayIndex.interval(0, firstLayer)), after.get(NDArrayIndex.interval(0, firstLayer)));
    }

    @Test
    void refusesAnEmptyOrInvalidLayerSet() {
        MultiLayerNetwork net = DpSgdTrainerTest.mlp(new Sgd(0.1), 6, 5);
        DataSet data = DpSgdTrainerTest.data(40, 6, 1);
        DpSgdConfig cfg = DpSgdConfig.builder().clipNorm(1.0).noiseMultiplier(2.0).delta(1e-5).batchSize(10).seed(3)
                .ledger(dir.resolve("x.jsonl")).build();
        assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.makePrivate(net, data, cfg, Set.of()));
        assertThrows(UnsupportedModelException.class, () -> DpSgdTrainer.makePrivate(net, data, cfg, Set.of(5)));
        assertThrows(IllegalArgumentException.class, () -> DpSgdConfig.builder().mechanism(" "));
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, data, cfg, Set.of(1))) {
            assertThrows(UnsupportedOperationException.class, () -> t.checkpoint(dir.resolve("ck")));
        }
    }
}
