package org.dpdl4j.dl4j.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.features.FeatureCache;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class HeadTrainerTest {

    @TempDir
    Path dir;

    /** k Gaussian blobs in d dimensions: a linearly separable-ish problem. */
    static FeatureSource blobs(int n, int d, int k, double spread, long seed, DataType type) {
        Random r = new Random(seed);
        Nd4j.getRandom().setSeed(seed);
        INDArray means = Nd4j.randn(DataType.DOUBLE, k, d).muli(3.0 / Math.sqrt(d));
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
        }
        INDArray labels = Inputs.oneHot(y, k, DataType.DOUBLE);
        INDArray x = labels.mmul(means).addi(Nd4j.randn(DataType.DOUBLE, n, d).muli(spread / Math.sqrt(d)));
        return FeatureSource.inMemory(x.castTo(type), labels.castTo(type));
    }

    static HeadConfig.Builder base() {
        return HeadConfig.builder().clipNorm(1.0).steps(50).learningRate(2.0).delta(1e-5).seed(7);
    }

    @Test
    void noiseOnTheSumHasStdSigmaTimesC() throws Exception {
        int n = 500;
        FeatureSource data = blobs(n, 300, 10, 1.0, 3, DataType.DOUBLE);
        double sigma = 2.0;
        double c = 0.5;
        HeadConfig cfg = HeadConfig.builder().clipNorm(c).steps(1).learningRate(1.0).delta(1e-5).noiseMultiplier(sigma)
                .seed(99).build();
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            HeadResult r = HeadTrainer.train(data, cfg, ledger);
            // One step from zero with lr 1: W = -(S + Z)/n, so Z = -n·W - S.
            PrivateLinearHead zero = PrivateLinearHead.zeros(300, 10, true, DataType.DOUBLE);
            FeatureSource.Chunk all = data.chunk(0);
            INDArray[] clean = zero.clippedGradientSum(all.features(), all.labels(), c);
            INDArray zw = r.head().weights().muli(-n).subi(clean[0]);
            INDArray zb = r.head().bias().muli(-n).subi(clean[1]);
            INDArray z = Nd4j.concat(0, zw.reshape(-1), zb.reshape(-1));
            double std = z.stdNumber().doubleValue();
            assertEquals(sigma * c, std, 0.05 * sigma * c, "noise std");
            assertEquals(0.0, z.meanNumber().doubleValue(), 4 * sigma * c / Math.sqrt(z.length()), "noise mean");
        }
    }

    @Test
    void everyStepIsInTheLedgerAndEpsilonIsReaccountableFromTheFile() throws Exception {
        Path file = dir.resolve("ledger.jsonl");
        HeadResult r;
        try (PrivacyLedger ledger = PrivacyLedger.open(file)) {
            r = HeadTrainer.train(blobs(400, 10, 3, 1, 1, DataType.DOUBLE),
                    base().steps(7).noiseMultiplier(3.0).build(), ledger);
        }
        List<LedgerRecord> records = PrivacyLedger.read(file);
        assertEquals(7, records.size());
        for (int t = 0; t < 7; t++) {
            assertEquals("head-noisygd", records.get(t).mechanism());
            assertEquals(t, records.get(t).firstStep());
            assertEquals(1, records.get(t).steps());
            assertEquals(GaussianEvent.of(3.0), records.get(t).event());
        }
        double eps = new GaussianAccountant().epsilon(PrivacyLedger.readEvent(file), 1e-5).epsilon();
        assertEquals(r.report().epsilon(), eps, 1e-12);
        assertEquals(GaussianAccountant.epsilon(Math.sqrt(7) / 3.0, 1e-5), eps, 1e-9, "mu = sqrt(T)/sigma");
    }

    @Test
    void calibrationSubtractsEarlierSpendInTheSameLedger() throws Exception {
        FeatureSource data = blobs(400, 10, 3, 1, 1, DataType.DOUBLE);
        double sigmaAlone;
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("alone.jsonl"))) {
            sigmaAlone = HeadTrainer.train(data, base().steps(20).targetEpsilon(2.0).build(), ledger)
                    .report().noiseMultiplier();
        }
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("with-pca.jsonl"))) {
            ledger.append("dp-pca", GaussianEvent.of(4.0), 0, 1);
            HeadResult r = HeadTrainer.train(data, base().steps(20).targetEpsilon(2.0).build(), ledger);
            double sigma = r.report().noiseMultiplier();
            assertTrue(sigma > sigmaAlone, "less budget left means more noise: " + sigma + " vs " + sigmaAlone);
            assertTrue(r.report().epsilon() <= 2.0 && r.report().epsilon() > 2.0 - 1e-6, "eps " + r.report().epsilon());
            assertTrue(r.priorEpsilon() > 0);
            // The total is one Gaussian with mu² = 1/16 + 20/sigma².
            double mu = Math.sqrt(1 / 16.0 + 20 / (sigma * sigma));
            assertEquals(GaussianAccountant.epsilon(mu, 1e-5), r.report().epsilon(), 1e-9);
            assertEquals(21, ledger.size());
        }
    }

    @Test
    void refusesWhenTheLedgerAlreadySpentTheTarget() throws Exception {
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            ledger.append("dp-stats", GaussianEvent.of(0.2), 0, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> HeadTrainer.train(
                    blobs(100, 5, 2, 1, 1, DataType.DOUBLE), base().targetEpsilon(1.0).build(), ledger));
            assertTrue(e.getMessage().contains("already spends"), e.getMessage());
            assertEquals(1, ledger.size(), "nothing was recorded");
        }
    }

    @Test
    void fullBatchNoisyGdLearnsSeparableBlobsAtEpsilonThree() throws Exception {
        FeatureSource train = blobs(4000, 20, 4, 0.7, 5, DataType.FLOAT);
        FeatureSource test = blobs(1000, 20, 4, 0.7, 5, DataType.FLOAT);
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            HeadResult r = HeadTrainer.train(train, base().steps(100).learningRate(
                    LearningRateSchedule.cosine(4.0, 0.1)).momentum(0.5).targetEpsilon(3.0).build(), ledger);
            double acc = r.head().accuracy(test.chunk(0).features(), test.chunk(0).labels());
            assertTrue(acc > 0.9, "accuracy " + acc);
            assertTrue(r.report().epsilon() <= 3.0);
            assertEquals("gaussian", r.report().accountant());
        }
    }

    @Test
    void poissonDpSgdRecordsSubsampledStepsAndLearns() throws Exception {
        FeatureSource train = blobs(4000, 20, 4, 0.7, 5, DataType.FLOAT);
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            HeadResult r = HeadTrainer.train(train, base().mode(HeadMode.POISSON).expectedBatchSize(400).steps(100)
                    .learningRate(2.0).targetEpsilon(3.0).build(), ledger);
            assertEquals(100, ledger.size());
            LedgerRecord first = ledger.records().get(0);
            assertEquals("head-dpsgd", first.mechanism());
            assertEquals(PoissonSampledEvent.gaussian(0.1, r.report().noiseMultiplier()), first.event());
            assertTrue(r.report().epsilon() <= 3.0);
            assertEquals("rdp", r.report().accountant());
            double acc = r.head().accuracy(train.chunk(0).features(), train.chunk(0).labels());
            assertTrue(acc > 0.85, "accuracy " + acc);
        }
    }

    /** The rows of an in-memory source written to an on-disk cache with small chunks (rows per chunk = 97). */
    private FeatureCache toCache(FeatureSource mem, String name) throws Exception {
        FeatureSource.Chunk all = mem.chunk(0);
        int d = mem.dimension();
        FeatureCache.Writer w = FeatureCache.create(dir.resolve(name), d, mem.classes(), name, 97L * d * Float.BYTES);
        int[] y = Inputs.classIndices(all.labels());
        for (int s = 0; s < mem.size(); s += 150) {
            int e = (int) Math.min(mem.size(), s + 150);
            w.append(all.features().get(NDArrayIndex.interval(s, e), NDArrayIndex.all()), Arrays.copyOfRange(y, s, e));
        }
        return w.finish();
    }

    @Test
    void cacheRowsAreTheSelectedRowsAcrossChunkBoundaries() throws Exception {
        FeatureSource mem = blobs(1000, 12, 3, 0.7, 5, DataType.FLOAT);
        FeatureCache cache = toCache(mem, "rows");
        assertEquals(11, cache.chunks());
        long[] idx = {0, 1, 96, 97, 98, 193, 194, 500, 969, 970, 999};
        int[] ints = Arrays.stream(idx).mapToInt(i -> (int) i).toArray();
        FeatureSource.Chunk got = cache.rows(idx);
        assertEquals(Nd4j.pullRows(mem.chunk(0).features(), 1, ints), got.features());
        assertEquals(Nd4j.pullRows(mem.chunk(0).labels(), 1, ints), got.labels());
        // The interface's default (used by in-memory sources) gives the same rows.
        assertEquals(got.features(), mem.rows(idx).features());
        assertEquals(0, cache.rows(new long[0]).features().size(0));
        assertEquals(12, cache.rows(new long[0]).features().size(1));
        assertThrows(IllegalArgumentException.class, () -> cache.rows(new long[] {5, 5}), "not strictly increasing");
        assertThrows(IllegalArgumentException.class, () -> cache.rows(new long[] {1000}), "out of range");
        assertThrows(IllegalArgumentException.class, () -> mem.rows(new long[] {-1}), "negative");
    }

    @Test
    void poissonDpSgdFromAnOnDiskCacheEqualsTheSameRunFromMemory() throws Exception {
        FeatureSource mem = blobs(1000, 12, 3, 0.7, 5, DataType.FLOAT);
        FeatureCache cache = toCache(mem, "poisson");
        HeadConfig cfg = base().mode(HeadMode.POISSON).expectedBatchSize(100).steps(30).learningRate(1.0)
                .noiseMultiplier(1.0).build();
        HeadResult fromCache;
        HeadResult fromMemory;
        try (PrivacyLedger l1 = PrivacyLedger.open(dir.resolve("cache.jsonl"));
             PrivacyLedger l2 = PrivacyLedger.open(dir.resolve("memory.jsonl"))) {
            fromCache = HeadTrainer.train(cache, cfg, l1);
            fromMemory = HeadTrainer.train(mem, cfg, l2);
            assertEquals(l2.records().stream().map(LedgerRecord::event).toList(),
                    l1.records().stream().map(LedgerRecord::event).toList(), "same accounting");
            assertEquals(30, l1.size());
            assertEquals(PoissonSampledEvent.gaussian(0.1, 1.0), l1.records().get(0).event());
        }
        // Same seed: same Poisson batches and noise, so the same head whether rows come from disk or memory.
        assertTrue(fromCache.head().weights().equalsWithEps(fromMemory.head().weights(), 1e-5));
        assertTrue(fromCache.head().bias().equalsWithEps(fromMemory.head().bias(), 1e-5));
        assertTrue(fromCache.report().sampling().contains("on-disk feature cache"), fromCache.report().sampling());
        assertEquals(fromMemory.report().epsilon(), fromCache.report().epsilon(), 0.0);
        double acc = fromCache.head().accuracy(mem.chunk(0).features(), mem.chunk(0).labels());
        assertTrue(acc > 0.85, "accuracy " + acc);
    }

    @Test
    void nonFiniteFeaturesAndBadLabelsGiveClearErrors() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 10, 4);
        INDArray y = Inputs.oneHot(new int[] {0, 1, 0, 1, 0, 1, 0, 1, 0, 1}, 2, DataType.FLOAT);
        x.putScalar(6, 2, Float.NaN);
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> FeatureSource.inMemory(x, y));
        assertTrue(nan.getMessage().contains("NaN") && nan.getMessage().contains("row 6"), nan.getMessage());
        x.putScalar(6, 2, Float.POSITIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> FeatureSource.inMemory(x, y));

        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Inputs.oneHot(new int[] {0, 3, 1}, 3, DataType.FLOAT));
        assertTrue(range.getMessage().contains("label 3 at row 1"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Inputs.oneHot(new int[] {-1}, 3, DataType.FLOAT));

        INDArray soft = Nd4j.createFromArray(new float[][] {{1, 0}, {0.5f, 0.5f}});
        IllegalArgumentException notOneHot = assertThrows(IllegalArgumentException.class,
                () -> FeatureSource.inMemory(Nd4j.rand(DataType.FLOAT, 2, 3), soft));
        assertTrue(notOneHot.getMessage().contains("row 1"), notOneHot.getMessage());
    }

    @Test
    void configValidation() {
        assertThrows(IllegalArgumentException.class, () -> HeadConfig.builder().steps(1).learningRate(1).delta(1e-5)
                .noiseMultiplier(1).build(), "no clip norm");
        assertThrows(IllegalArgumentException.class, () -> base().build(), "neither sigma nor target");
        assertThrows(IllegalArgumentException.class, () -> base().noiseMultiplier(1).targetEpsilon(1).build());
        assertThrows(IllegalArgumentException.class, () -> base().noiseMultiplier(1).mode(HeadMode.POISSON).build(),
                "Poisson without a batch size");
        assertThrows(IllegalArgumentException.class, () -> base().noiseMultiplier(1).mode(HeadMode.POISSON)
                .expectedBatchSize(10).accountant(AccountantType.GAUSSIAN).build());
        assertThrows(IllegalArgumentException.class, () -> base().noiseMultiplier(1).expectedBatchSize(10).build(),
                "batch size in full-batch mode");
        assertThrows(IllegalArgumentException.class, () -> base().noiseMultiplier(1).momentum(1.0).build());
        assertThrows(IllegalArgumentException.class, () -> base().noiseMultiplier(1).clipNorm(Double.NaN).build());
        assertThrows(IllegalArgumentException.class, () -> base().noiseMultiplier(1).bias(false)
                .initialHead(PrivateLinearHead.zeros(3, 2, true, DataType.FLOAT)).build());
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.cosine(1, 2));
    }

    @Test
    void givenInitialisationIsUsedAndNotAliased() throws Exception {
        PrivateLinearHead init = PrivateLinearHead.of(Nd4j.ones(DataType.DOUBLE, 10, 3), Nd4j.zeros(DataType.DOUBLE, 3));
        try (PrivacyLedger ledger = PrivacyLedger.open(dir.resolve("l.jsonl"))) {
            HeadResult r = HeadTrainer.train(blobs(100, 10, 3, 1, 1, DataType.DOUBLE),
                    base().steps(1).noiseMultiplier(1e3).learningRate(1e-9).initialHead(init).build(), ledger);
            assertEquals(1.0, r.head().weights().meanNumber().doubleValue(), 1e-3);
            assertEquals(1.0, init.weights().meanNumber().doubleValue(), 0.0);
        }
    }
}
