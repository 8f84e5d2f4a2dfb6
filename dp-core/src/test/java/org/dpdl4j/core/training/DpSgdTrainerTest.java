package org.dpdl4j.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.clipping.AdaptiveClipping;
import org.dpdl4j.core.engine.UnsupportedModelException;
import org.dpdl4j.core.sampling.Batch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The DP-SGD step against DL4J's own step, and the traps listed in dp-facts. */
class DpSgdTrainerTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static MultiLayerNetwork mlp(IUpdater updater, int in, int hidden) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.DOUBLE)
                .updater(updater).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(hidden).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(hidden).nOut(3).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    static DataSet data(int n, int in, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, in);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        return new DataSet(x, y);
    }

    private DpSgdConfig.Builder base() {
        return DpSgdConfig.builder().delta(1e-5).seed(11).ledger(dir.resolve("ledger-" + System.nanoTime() + ".jsonl"));
    }

    static Stream<IUpdater> updaters() {
        return Stream.of(new Sgd(0.3), new Adam(0.01), new Nesterovs(0.1, 0.9));
    }

    /** Without clipping (huge C) and with negligible noise, a full-batch DP step is DL4J's own step, for any updater. */
    @ParameterizedTest
    @MethodSource("updaters")
    void dpStepWithoutClippingOrNoiseIsDl4jsStep(IUpdater updater) {
        DataSet d = data(24, 5, 1);
        MultiLayerNetwork reference = mlp(updater.clone(), 5, 4);
        MultiLayerNetwork dp = mlp(updater.clone(), 5, 4);
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(dp, d, base().sampling(SamplingMode.FULL_BATCH)
                .clipNorm(1e3).noiseMultiplier(1e-15).build())) {
            for (int s = 0; s < 3; s++) {
                reference.fit(d);
                assertTrue(t.step());
            }
        }
        INDArray diff = reference.params().sub(dp.params());
        assertTrue(diff.norm2Number().doubleValue() <= 1e-9 * reference.params().norm2Number().doubleValue(),
                "DP step differs from DL4J's step by " + diff.norm2Number());
    }

    /** The divisor is the expected batch size q·N, never the realised Poisson batch size. */
    @Test
    void normaliserIsTheExpectedBatchSizeNotTheRealisedOne() {
        DataSet d = data(100, 5, 2);
        MultiLayerNetwork reference = mlp(new Sgd(1.0), 5, 4);
        MultiLayerNetwork dp = mlp(new Sgd(1.0), 5, 4);
        INDArray before = dp.params().dup();
        DataSet three = new DataSet(d.getFeatures().get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()).dup(),
                d.getLabels().get(NDArrayIndex.interval(0, 3), NDArrayIndex.all()).dup());
        reference.fit(three); // DL4J divides by the realised size 3
        INDArray dl4jUpdate = before.sub(reference.params());
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(dp, d, base().batchSize(10).clipNorm(1e3).noiseMultiplier(1e-15).build())) {
            t.stepOn(new Batch(three.getFeatures(), three.getLabels(), 3, new long[] {0, 1, 2}));
        }
        INDArray dpUpdate = before.sub(dp.params());
        INDArray expected = dl4jUpdate.mul(3.0 / 10.0);
        assertTrue(expected.sub(dpUpdate).norm2Number().doubleValue() <= 1e-9 * expected.norm2Number().doubleValue(),
                "DP update must be the clipped sum / (q·N) = 10, not / 3");
    }

    /** Empty Poisson batches still take a (noise-only) step and are recorded. */
    @Test
    void emptyBatchesAreNoiseOnlyStepsAndCount() throws Exception {
        DataSet d = data(50, 5, 3);
        MultiLayerNetwork net = mlp(new Sgd(0.1), 5, 4);
        INDArray before = net.params().dup();
        Path ledger = dir.resolve("empty.jsonl");
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, d, DpSgdConfig.builder().delta(1e-5).seed(5).ledger(ledger)
                .batchSize(1).clipNorm(1).noiseMultiplier(1).build())) {
            t.stepOn(new Batch(Nd4j.create(DataType.DOUBLE, 0, 5), Nd4j.create(DataType.DOUBLE, 0, 3), 0, new long[0]));
            for (int s = 0; s < 30; s++) {
                assertTrue(t.step());
            }
            assertEquals(31, t.steps());
        }
        assertFalse(before.equalsWithEps(net.params(), 1e-12), "noise-only steps must move the parameters");
        List<LedgerRecord> records = PrivacyLedger.read(ledger);
        assertEquals(31, records.size());
    }

    /** With zero data gradients the update is pure noise with per-coordinate std σC / normaliser. */
    @Test
    void noiseHasPerCoordinateStdSigmaTimesC() {
        DataSet d = data(40, 100, 4);
        MultiLayerNetwork net = mlp(new Sgd(1.0), 100, 100);
        INDArray before = net.params().dup();
        double sigma = 1.3;
        double c = 0.7;
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, d, DpSgdConfig.builder().delta(1e-5)
                .ledger(dir.resolve("noise.jsonl")).batchSize(4).clipNorm(c).noiseMultiplier(sigma).build())) {
            t.stepOn(new Batch(Nd4j.create(DataType.DOUBLE, 0, 100), Nd4j.create(DataType.DOUBLE, 0, 3), 0, new long[0]));
        }
        INDArray step = before.sub(net.params()).muli(4.0); // undo the division by q·N = 4
        long n = step.length();
        double mean = step.meanNumber().doubleValue();
        double std = step.stdNumber().doubleValue();
        assertEquals(0.0, mean, 4 * sigma * c / Math.sqrt(n), "noise mean");
        assertEquals(sigma * c, std, 0.02 * sigma * c, "noise std over " + n + " coordinates (secure sampler)");
    }

    /** Training stops before the step that would exceed the budget; nothing beyond it is recorded. */
    @Test
    void budgetStopsBeforeTheStepThatWouldExceedIt() throws Exception {
        DataSet d = data(100, 5, 5);
        Path ledger = dir.resolve("budget.jsonl");
        PrivacyReport r;
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4), d, DpSgdConfig.builder().delta(1e-5)
                .seed(1).ledger(ledger).batchSize(10).clipNorm(1).noiseMultiplier(2.0).budget(3.0).build())) {
            r = t.fit(1000);
            assertTrue(t.stoppedByBudget());
            assertFalse(t.step(), "no step after the budget stop");
            assertEquals(r.steps(), t.steps());
        }
        assertTrue(r.epsilon() <= 3.0, "spent " + r.epsilon());
        assertTrue(r.stoppedByBudget());
        assertEquals(r.steps(), PrivacyLedger.read(ledger).size());
        assertTrue(r.steps() > 10 && r.steps() < 100_000, "steps " + r.steps());
    }

    @Test
    void calibratedNoiseEndsTrainingAtTheTargetEpsilon() {
        DataSet d = data(200, 5, 6);
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4), d, base().batchSize(20).clipNorm(1)
                .targetEpsilon(2.0).epochs(3).build())) {
            PrivacyReport r = t.fit();
            assertEquals(3 * t.stepsPerEpoch(), r.steps());
            assertTrue(r.epsilon() <= 2.0, "eps " + r.epsilon());
            assertEquals(2.0, r.epsilon(), 1e-3);
        }
    }

    @Test
    void fixedSizeBatchesAreAccountedUnderReplaceOneWithHalfSigma() throws Exception {
        DataSet d = data(100, 5, 7);
        Path ledger = dir.resolve("fixed.jsonl");
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4), d, DpSgdConfig.builder().delta(1e-5).seed(2)
                .ledger(ledger).sampling(SamplingMode.FIXED_SIZE).batchSize(10).clipNorm(1).noiseMultiplier(1.2).build())) {
            t.step();
            assertTrue(t.stepEvent() instanceof SampledWithoutReplacementEvent w
                    && ((GaussianEvent) w.event()).noiseMultiplier() == 0.6, t.stepEvent().toString());
        }
        assertThrows(IllegalArgumentException.class, () -> base().sampling(SamplingMode.FIXED_SIZE).batchSize(10)
                .clipNorm(1).noiseMultiplier(1).accountant(AccountantType.PLD).build());
    }

    @Test
    void fullBatchNoisyGdIsAccountedExactly() {
        DataSet d = data(30, 5, 8);
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4), d, base().sampling(SamplingMode.FULL_BATCH)
                .clipNorm(1).noiseMultiplier(10).build())) {
            PrivacyReport r = t.fit(100);
            assertEquals("gaussian", r.accountant());
            assertEquals(new GaussianAccountant().epsilon(new SelfComposedEvent(GaussianEvent.of(10), 100), 1e-5).epsilon(),
                    r.epsilon(), 1e-12);
        }
    }

    /** Virtual batches: processing a logical batch in chunks gives the same update (noise added once). */
    @Test
    void physicalChunksGiveTheSameUpdateAsOneBatch() {
        DataSet d = data(60, 5, 9);
        MultiLayerNetwork a = mlp(new Sgd(0.2), 5, 4);
        MultiLayerNetwork b = mlp(new Sgd(0.2), 5, 4);
        Batch batch = new Batch(d.getFeatures().get(NDArrayIndex.interval(0, 17), NDArrayIndex.all()).dup(),
                d.getLabels().get(NDArrayIndex.interval(0, 17), NDArrayIndex.all()).dup(), 17, new long[17]);
        try (DpSgdTrainer ta = DpSgdTrainer.makePrivate(a, d, base().batchSize(15).clipNorm(0.5).noiseMultiplier(1).build());
             DpSgdTrainer tb = DpSgdTrainer.makePrivate(b, d, base().batchSize(15).clipNorm(0.5).noiseMultiplier(1)
                     .physicalBatchSize(4).build())) {
            ta.stepOn(batch);
            tb.stepOn(batch);
        }
        assertTrue(a.params().equalsWithEps(b.params(), 1e-12), "chunked and whole-batch steps must agree");
    }

    @Test
    void adaptiveClippingAccountsTheCountAndMovesTheClipNorm() {
        DataSet d = data(200, 5, 10);
        AdaptiveClipping clipping = new AdaptiveClipping(10.0, 0.5, 0.5, 5.0);
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4), d, base().batchSize(40).clipping(clipping)
                .noiseMultiplier(1.0).build())) {
            t.fit(2);
            GaussianEvent inner = (GaussianEvent) ((org.dpdl4j.accountant.event.PoissonSampledEvent) t.stepEvent()).event();
            assertEquals(1 / Math.sqrt(1 + 1 / 25.0), inner.noiseMultiplier(), 1e-12, "sigma_eff includes the count query");
        }
        assertTrue(clipping.clipNorm() < 10.0, "C=10 is far above the median norm and must shrink: " + clipping.clipNorm());
    }

    @Test
    void batchNormAndGradientNormalizationAreRefusedWithAFix() {
        MultiLayerNetwork bn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(4).build())
                .layer(new BatchNormalization.Builder().nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX).build()).build());
        bn.init();
        var e = assertThrows(UnsupportedModelException.class, () -> DpSgdTrainer.makePrivate(bn, data(10, 5, 1),
                base().batchSize(2).clipNorm(1).noiseMultiplier(1).build()));
        assertTrue(e.getMessage().contains("BatchNormalization") && e.getMessage().contains("LayerNorm"), e.getMessage());
        MultiLayerNetwork gn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .gradientNormalization(GradientNormalization.ClipL2PerLayer).list()
                .layer(new DenseLayer.Builder().nIn(5).nOut(4).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX).build()).build());
        gn.init();
        var g = assertThrows(UnsupportedModelException.class, () -> DpSgdTrainer.makePrivate(gn, data(10, 5, 1),
                base().batchSize(2).clipNorm(1).noiseMultiplier(1).build()));
        assertTrue(g.getMessage().contains("GradientNormalization.None"), g.getMessage());
    }

    /** A NaN gradient fails the step loudly before any update; the step stays counted. */
    @Test
    void nonFiniteGradientsFailTheStepWithoutAnUpdate() throws Exception {
        DataSet d = data(20, 5, 12);
        MultiLayerNetwork net = mlp(new Sgd(0.1), 5, 4);
        Path ledger = dir.resolve("nan.jsonl");
        // Finite data, but a parameter set to NaN makes every gradient NaN (e.g. after a diverged update).
        net.getLayer(0).getParam("W").putScalar(0, 0, Double.NaN);
        INDArray before = net.params().dup();
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(net, d, DpSgdConfig.builder().delta(1e-5).seed(3).ledger(ledger)
                .sampling(SamplingMode.FULL_BATCH).clipNorm(1).noiseMultiplier(1).build())) {
            var e = assertThrows(NonFiniteGradientException.class, t::step);
            assertTrue(e.getMessage().contains("NaN or infinite") && e.getMessage().contains("no update"), e.getMessage());
        }
        double[] a = before.toDoubleVector();
        double[] b = net.params().toDoubleVector();
        for (int i = 0; i < a.length; i++) {
            assertTrue(Double.compare(a[i], b[i]) == 0, "parameter " + i + " changed: no update may be applied");
        }
        assertEquals(1, PrivacyLedger.read(ledger).size(), "the failed step stays recorded");
    }

    @Test
    void badDataAndConfigurationGetClearErrors() {
        DataSet wrongLabels = new DataSet(Nd4j.randn(DataType.DOUBLE, 10, 5), Nd4j.zeros(DataType.DOUBLE, 10, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4), wrongLabels,
                base().batchSize(2).clipNorm(1).noiseMultiplier(1).build()));
        assertTrue(e.getMessage().contains("3 units"), e.getMessage());
        INDArray x = Nd4j.randn(DataType.DOUBLE, 10, 5);
        x.putScalar(7, 2, Double.NaN);
        var nan = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4),
                new DataSet(x, data(10, 5, 1).getLabels()), base().batchSize(2).clipNorm(1).noiseMultiplier(1).build()));
        assertTrue(nan.getMessage().contains("7"), nan.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DpSgdConfig.builder().clipNorm(0));
        assertThrows(IllegalArgumentException.class, () -> DpSgdConfig.builder().noiseMultiplier(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> DpSgdConfig.builder().delta(1));
        var both = assertThrows(IllegalArgumentException.class, () -> DpSgdConfig.builder().delta(1e-5).clipNorm(1).batchSize(4)
                .noiseMultiplier(1).targetEpsilon(1).build());
        assertTrue(both.getMessage().contains("exactly one"), both.getMessage());
        var big = assertThrows(IllegalArgumentException.class, () -> DpSgdTrainer.makePrivate(mlp(new Sgd(0.1), 5, 4),
                data(10, 5, 1), base().batchSize(20).clipNorm(1).noiseMultiplier(1).build()));
        assertTrue(big.getMessage().contains("exceeds the dataset size"), big.getMessage());
    }
}
