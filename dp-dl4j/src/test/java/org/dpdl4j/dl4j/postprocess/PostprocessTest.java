package org.dpdl4j.dl4j.postprocess;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class PostprocessTest {

    @TempDir
    Path dir;

    @Test
    void l2NormalisationScalesEveryRowToTheRadiusAndKeepsZeroRows() {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 20, 7).muli(5);
        x.getRow(3).assign(0);
        INDArray y = new L2Normalize(2.5).apply(x);
        INDArray norms = y.norm2(1);
        for (int i = 0; i < 20; i++) {
            assertEquals(i == 3 ? 0.0 : 2.5, norms.getDouble(i), 1e-12);
        }
        assertTrue(new L2Normalize(1).cost().isFree());
        assertThrows(IllegalArgumentException.class, () -> new L2Normalize(0));
    }

    @Test
    void dpMeanHasNoiseStdSigmaRAndIsInTheLedger() throws Exception {
        int n = 500;
        int d = 4000;
        double sigma = 2.0;
        double r = 3.0;
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            AffineStep centre = Standardization.fitPrivate(Nd4j.zeros(DataType.DOUBLE, n, d), false, r, sigma, 0, ledger,
                    GaussianNoise.createSeeded(1));
            INDArray noiseOnSum = Nd4j.createFromArray(Standardization.meanOf(centre)).muli(n);
            assertEquals(sigma * r, noiseOnSum.stdNumber().doubleValue(), 0.04 * sigma * r);
            List<LedgerRecord> rec = ledger.records();
            assertEquals(1, rec.size());
            assertEquals(Standardization.MECHANISM, rec.get(0).mechanism());
            assertEquals(GaussianEvent.of(sigma), rec.get(0).event());
            assertFalse(centre.cost().isFree());
            assertEquals(GaussianEvent.of(sigma), centre.cost().event().orElseThrow());
        }
    }

    @Test
    void dpStandardisationUsesRootTwoForTheJointRelease() throws Exception {
        int n = 200;
        int d = 4000;
        double sigma = 1.5;
        double r = 2.0;
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            AffineStep st = Standardization.fitPrivate(Nd4j.zeros(DataType.DOUBLE, n, d), true, r, sigma, 1e-6, ledger,
                    GaussianNoise.createSeeded(2));
            INDArray noiseOnSum = Nd4j.createFromArray(Standardization.meanOf(st)).muli(n);
            double expected = sigma * Math.sqrt(2) * r;
            assertEquals(expected, noiseOnSum.stdNumber().doubleValue(), 0.04 * expected);
            assertEquals(1, ledger.size());
        }
    }

    @Test
    void dpStatisticsEstimateRealStatistics() throws Exception {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 20000, 5).muli(0.2).addiRowVector(
                Nd4j.createFromArray(0.5, -0.3, 0.1, 0.0, 0.2));
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            AffineStep st = Standardization.fitPrivate(x, true, 2.0, 1.0, 1e-4, ledger, GaussianNoise.createSeeded(3));
            double[] mean = Standardization.meanOf(st);
            assertArrayEquals(new double[] {0.5, -0.3, 0.1, 0.0, 0.2}, mean, 0.01);
            INDArray z = st.apply(x);
            assertEquals(1.0, z.std(0).meanNumber().doubleValue(), 0.05);
        }
    }

    @Test
    void dpPcaNoiseMatrixIsSymmetricWithStdSigmaRSquaredAndIsInTheLedger() throws Exception {
        int d = 80;
        double sigma = 0.7;
        double r = 2.0;
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            INDArray m = Pca.noisySecondMoment(Nd4j.zeros(DataType.DOUBLE, 10, d), r, sigma, ledger,
                    GaussianNoise.createSeeded(5));
            assertEquals(m, m.transpose(), "symmetric");
            double[] off = new double[d * (d - 1) / 2];
            int c = 0;
            for (int i = 0; i < d; i++) {
                for (int j = i + 1; j < d; j++) {
                    off[c++] = m.getDouble(i, j);
                }
            }
            double offStd = Nd4j.createFromArray(off).stdNumber().doubleValue();
            assertEquals(sigma * r * r, offStd, 0.05 * sigma * r * r, "off-diagonal std");
            double diagStd = Nd4j.diag(m).stdNumber().doubleValue();
            assertEquals(sigma * r * r * Math.sqrt(2), diagStd, 0.25 * sigma * r * r * Math.sqrt(2), "diagonal std");
            assertEquals(List.of(Pca.MECHANISM), ledger.records().stream().map(LedgerRecord::mechanism).toList());
            assertEquals(GaussianEvent.of(sigma), ledger.records().get(0).event());
        }
    }

    /** Rows with most variance along a known direction. */
    static INDArray elongated(int n, int d, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d).muli(0.05);
        INDArray dir = Nd4j.zeros(DataType.DOUBLE, 1, d);
        dir.putScalar(0, 0, 0.6);
        dir.putScalar(0, 1, 0.8);
        INDArray t = Nd4j.randn(DataType.DOUBLE, n, 1);
        return x.addi(t.mmul(dir));
    }

    @Test
    void publicAndPrivatePcaFindTheTopDirection() throws Exception {
        INDArray x = elongated(5000, 10, 4);
        AffineStep pub = Pca.fitPublic(x, 2, true);
        INDArray v = pub.matrix(DataType.DOUBLE).getColumn(0);
        assertEquals(1.0, Math.abs(0.6 * v.getDouble(0) + 0.8 * v.getDouble(1)), 1e-3);
        assertTrue(pub.cost().isFree());
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            AffineStep priv = Pca.fitPrivate(x, 2, 3.0, 2.0, ledger, GaussianNoise.createSeeded(6));
            INDArray w = priv.matrix(DataType.DOUBLE).getColumn(0);
            assertEquals(1.0, Math.abs(0.6 * w.getDouble(0) + 0.8 * w.getDouble(1)), 1e-2);
            assertEquals(2, priv.out());
            assertFalse(priv.cost().isFree());
        }
    }

    @Test
    void pipelineComposesSerialisesAndAffineStepsFold() throws Exception {
        INDArray x = elongated(300, 6, 8);
        FeaturePipeline p = FeaturePipeline.of(new L2Normalize(1.0)).then(Standardization.fitPublic(x, true))
                .then(Pca.fitPublic(x, 3, true));
        assertEquals(3, p.outputDimension(6));
        INDArray y = p.apply(x);
        Path file = dir.resolve("p.ser");
        p.save(file);
        FeaturePipeline back = FeaturePipeline.load(file);
        assertTrue(back.apply(x).equalsWithEps(y, 1e-12));
        AffineStep a = (AffineStep) p.steps().get(1);
        AffineStep b = (AffineStep) p.steps().get(2);
        INDArray folded = a.then(b).apply(new L2Normalize(1.0).apply(x));
        assertTrue(folded.equalsWithEps(y, 1e-10));
        assertFalse(p.isCharged());
    }

    @Test
    void pipelineOverAnOnDiskCacheProcessesChunksAndSelectedRows() throws Exception {
        INDArray x = elongated(250, 6, 4).castTo(DataType.FLOAT);
        int[] labels = new int[250];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 3;
        }
        org.dpdl4j.dl4j.features.FeatureCache.Writer w = org.dpdl4j.dl4j.features.FeatureCache.create(dir.resolve("c"),
                6, 3, "k", 40L * 6 * Float.BYTES);
        w.append(x, labels);
        org.dpdl4j.dl4j.features.FeatureCache cache = w.finish();
        FeaturePipeline p = FeaturePipeline.of(new L2Normalize(2.0), Pca.fitPublic(x, 4, true));
        FeatureSource view = p.over(cache);
        assertEquals(4, view.dimension());
        assertEquals(250, view.size());
        assertEquals(cache.chunks(), view.chunks());
        INDArray expected = p.apply(x);
        assertTrue(view.chunk(1).features().equalsWithEps(expected.get(NDArrayIndex.interval(40, 80), NDArrayIndex.all()), 1e-6));
        long[] idx = {3, 39, 40, 41, 249};
        INDArray rows = view.rows(idx).features();
        assertTrue(rows.equalsWithEps(Nd4j.pullRows(expected, 1, new int[] {3, 39, 40, 41, 249}), 1e-6));
        assertEquals(4, view.rows(new long[0]).features().size(1));
        assertTrue(view.describe().contains("on-disk feature cache"), view.describe());
    }

    @Test
    void headAfterDpPcaIsCalibratedForTheComposedTotal() throws Exception {
        Nd4j.getRandom().setSeed(9);
        int n = 3000;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
        }
        INDArray y = Inputs.oneHot(labels, 3, DataType.DOUBLE);
        INDArray x = y.mmul(Nd4j.randn(DataType.DOUBLE, 3, 20)).addi(Nd4j.randn(DataType.DOUBLE, n, 20).muli(0.3));
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            FeaturePipeline p = FeaturePipeline.of(new L2Normalize(1.0))
                    .then(Pca.fitPrivate(new L2Normalize(1.0).apply(x), 5, 1.0, 8.0, ledger, GaussianNoise.createSeeded(1)));
            HeadResult r = HeadTrainer.train(FeatureSource.inMemory(p.apply(x), y), HeadConfig.builder().clipNorm(1)
                    .steps(30).learningRate(2).targetEpsilon(1.0).delta(1e-5).seed(2).build(), ledger);
            assertEquals(31, ledger.size());
            assertEquals(Pca.MECHANISM, ledger.records().get(0).mechanism());
            double eps = new GaussianAccountant().epsilon(ledger.toEvent(), 1e-5).epsilon();
            assertTrue(eps <= 1.0 && eps > 1.0 - 1e-6, "composed eps " + eps);
            assertTrue(r.head().accuracy(p.apply(x), y) > 0.8);
        }
    }
}
