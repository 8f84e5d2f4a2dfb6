package org.dpdl4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.storage.StorageLevel;
import org.dpdl4j.accountant.ledger.LedgerRecord;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.features.FeatureSource;
import org.dpdl4j.dl4j.features.Inputs;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadMode;
import org.dpdl4j.dl4j.head.HeadResult;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SparkHeadDataTest {

    private static final int D = 6;
    private static final int K = 3;

    @TempDir
    Path dir;

    /** Rows with norms up to ~4, so that C = 1 clips most of them. */
    private static INDArray features(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, n, D).muli(1.5);
    }

    private static int[] labels(int n, long seed) {
        Random r = new Random(seed);
        int[] y = new int[n];
        Arrays.setAll(y, i -> r.nextInt(K));
        return y;
    }

    private static HeadConfig.Builder seeded() {
        return HeadConfig.builder().clipNorm(1.0).steps(6).learningRate(0.5).momentum(0.9).noiseMultiplier(1.2)
                .delta(1e-5).seed(42);
    }

    private HeadResult local(INDArray x, int[] y, HeadConfig config, String ledger) throws Exception {
        try (PrivacyLedger l = PrivacyLedger.open(dir.resolve(ledger))) {
            return HeadTrainer.train(FeatureSource.inMemory(x, Inputs.oneHot(y, K, x.dataType())), config, l);
        }
    }

    private HeadResult spark(SparkFeatures f, HeadConfig config, String ledger) throws Exception {
        try (PrivacyLedger l = PrivacyLedger.open(dir.resolve(ledger))) {
            return HeadTrainer.train(SparkHeadData.of(f), config, l, line -> { });
        }
    }

    private static void assertSameHead(PrivateLinearHead expected, PrivateLinearHead actual, double tolerance) {
        double dw = expected.weights().sub(actual.weights()).norm2Number().doubleValue();
        double db = expected.bias().sub(actual.bias()).norm2Number().doubleValue();
        assertTrue(dw <= tolerance && db <= tolerance, "heads differ by " + dw + " (W) and " + db + " (b)");
        assertTrue(expected.weights().norm2Number().doubleValue() > 1e-3, "the test head did not move");
    }

    @Test
    void noisyGdOnSparkEqualsTheSingleMachineHeadWithTheSameSeededNoise() throws Exception {
        INDArray x = features(203, 1);
        int[] y = labels(203, 2);
        HeadConfig config = seeded().build();
        HeadResult one = local(x, y, config, "one.jsonl");
        HeadResult many = spark(SparkFeatures.parallelize(LocalSpark.context(), x, y, K, 4), config, "many.jsonl");
        assertSameHead(one.head(), many.head(), 1e-6);
        assertEquals(one.report().epsilon(), many.report().epsilon(), 1e-12);
        assertEquals(one.report().noiseMultiplier(), many.report().noiseMultiplier(), 0.0);
    }

    @Test
    void floatFeaturesAgreeToFloatRounding() throws Exception {
        INDArray x = features(150, 3).castTo(DataType.FLOAT);
        int[] y = labels(150, 4);
        HeadConfig config = seeded().build();
        HeadResult one = local(x, y, config, "one.jsonl");
        HeadResult many = spark(SparkFeatures.parallelize(LocalSpark.context(), x, y, K, 3), config, "many.jsonl");
        assertSameHead(one.head(), many.head(), 1e-4);
    }

    @Test
    void emptyPartitionsContributeNothing() throws Exception {
        INDArray x = features(5, 5);
        int[] y = labels(5, 6);
        HeadConfig config = seeded().build();
        SparkFeatures f = SparkFeatures.parallelize(LocalSpark.context(), x, y, K, 8);
        assertEquals(8, f.partitions());
        assertSameHead(local(x, y, config, "one.jsonl").head(), spark(f, config, "many.jsonl").head(), 1e-6);
    }

    @Test
    void removingOneRowOfOnePartitionMovesThePreNoiseSumByAtMostC() {
        INDArray x = features(120, 7).muli(3);
        int[] y = labels(120, 8);
        Nd4j.getRandom().setSeed(9);
        // Small weights: no softmax saturates, so every row has a gradient far above C and is clipped to C.
        PrivateLinearHead head = PrivateLinearHead.of(Nd4j.randn(DataType.DOUBLE, D, K).muli(0.05),
                Nd4j.randn(DataType.DOUBLE, 1, K).muli(0.05));
        double c = 0.7;
        List<FeatureBlock> blocks = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            blocks.add(FeatureBlock.of(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(30 * p, 30 * p + 30),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()), Arrays.copyOfRange(y, 30 * p, 30 * p + 30)));
        }
        SparkFeatures all = SparkFeatures.of(LocalSpark.context().parallelize(blocks, 4), D, K);
        INDArray[] full = SparkHeadData.of(all).clippedSum(head, c);
        // The distributed sum is the single-machine sum.
        INDArray[] single = head.clippedGradientSum(x, Inputs.oneHot(y, K, DataType.DOUBLE), c);
        assertEquals(0, single[0].sub(full[0]).norm2Number().doubleValue(), 1e-9);
        assertEquals(0, single[1].sub(full[1]).norm2Number().doubleValue(), 1e-9);
        for (int row : new int[] {0, 17, 29}) {
            List<FeatureBlock> neighbour = new ArrayList<>(blocks);
            INDArray part = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(60, 90),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            int[] keep = new int[29];
            for (int i = 0, j = 0; i < 30; i++) {
                if (i != row) {
                    keep[j++] = i;
                }
            }
            int[] partLabels = Arrays.copyOfRange(y, 60, 90);
            neighbour.set(2, FeatureBlock.of(Nd4j.pullRows(part, 1, keep), Arrays.stream(keep).map(i -> partLabels[i])
                    .toArray()));
            SparkFeatures without = SparkFeatures.of(LocalSpark.context().parallelize(neighbour, 4), D, K);
            INDArray[] less = SparkHeadData.of(without).clippedSum(head, c);
            double moved = Math.sqrt(Math.pow(full[0].sub(less[0]).norm2Number().doubleValue(), 2)
                    + Math.pow(full[1].sub(less[1]).norm2Number().doubleValue(), 2));
            assertTrue(moved <= c + 1e-9, "removing row " + row + " of partition 2 moved the sum by " + moved);
            assertTrue(moved > 0.5 * c, "rows this large are clipped, so removing one moves the sum by about C: " + moved);
        }
    }

    @Test
    void aFailedAndRetriedTaskNeitherDoubleCountsNorLosesAStep() throws Exception {
        INDArray x = features(160, 10);
        int[] y = labels(160, 11);
        SparkFeatures clean = SparkFeatures.parallelize(LocalSpark.context(), x, y, K, 4)
                .persist(StorageLevel.MEMORY_ONLY());
        SparkFeatures failing = clean.withBlocks(LocalSpark.failingFirstAttempt(clean.blocks(), 2));
        for (HeadMode mode : HeadMode.values()) {
            HeadConfig.Builder b = seeded().mode(mode);
            if (mode == HeadMode.POISSON) {
                b.expectedBatchSize(40);
            }
            HeadConfig config = b.build();
            HeadResult reference = spark(clean, config, mode + "-clean.jsonl");
            int before = LocalSpark.INJECTED.get();
            HeadResult retried = spark(failing, config, mode + "-failing.jsonl");
            int failures = LocalSpark.INJECTED.get() - before;
            assertTrue(failures >= config.steps(), "every step's job should have lost one task, saw " + failures);
            assertEquals(reference.head().weights(), retried.head().weights(), mode + ": W");
            assertEquals(reference.head().bias(), retried.head().bias(), mode + ": b");
            assertEquals(reference.report().epsilon(), retried.report().epsilon(), 0.0);
            try (PrivacyLedger l = PrivacyLedger.open(dir.resolve(mode + "-failing.jsonl"))) {
                List<LedgerRecord> records = l.records();
                assertEquals(config.steps(), records.size(), mode + ": one record per step");
                for (int t = 0; t < records.size(); t++) {
                    assertEquals(t, records.get(t).firstStep(), mode + ": steps recorded once each, in order");
                }
            }
        }
        clean.unpersist();
    }

    @Test
    void poissonOnSparkSpendsExactlyWhatTheSingleMachineRunSpends() throws Exception {
        INDArray x = features(400, 12);
        int[] y = labels(400, 13);
        HeadConfig config = HeadConfig.builder().mode(HeadMode.POISSON).expectedBatchSize(50).clipNorm(1).steps(20)
                .learningRate(0.5).targetEpsilon(2.0).delta(1e-5).build();
        HeadResult one = local(x, y, config, "one.jsonl");
        HeadResult many = spark(SparkFeatures.parallelize(LocalSpark.context(), x, y, K, 3), config, "many.jsonl");
        assertEquals(one.report().noiseMultiplier(), many.report().noiseMultiplier(), 0.0);
        assertEquals(one.report().epsilon(), many.report().epsilon(), 0.0);
        try (PrivacyLedger a = PrivacyLedger.open(dir.resolve("one.jsonl"));
             PrivacyLedger b = PrivacyLedger.open(dir.resolve("many.jsonl"))) {
            assertEquals(a.toEvent(), b.toEvent());
            assertEquals(a.size(), b.size());
        }
        assertTrue(many.report().secure());
    }

    @Test
    void poissonStepsWithEmptySamplesAndEmptyPartitionsRun() throws Exception {
        INDArray x = features(30, 14);
        int[] y = labels(30, 15);
        HeadConfig config = seeded().mode(HeadMode.POISSON).expectedBatchSize(1).build();
        HeadResult r = spark(SparkFeatures.parallelize(LocalSpark.context(), x, y, K, 40), config, "p.jsonl");
        assertEquals(config.steps(), r.report().steps());
    }

    @Test
    void badRowsFailBeforeAnyStepIsRecordedAndSayWhatToFix() throws Exception {
        INDArray x = features(40, 16);
        int[] y = labels(40, 17);
        INDArray nan = x.dup();
        nan.putScalar(33, 2, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> spark(
                SparkFeatures.parallelize(LocalSpark.context(), nan, y, K, 2), seeded().build(), "nan.jsonl"));
        assertTrue(e.getMessage().contains("partition 1, block 0, row 13, column 2") && e.getMessage().contains("NaN"),
                e.getMessage());
        int[] outOfRange = y.clone();
        outOfRange[5] = K;
        e = assertThrows(IllegalArgumentException.class, () -> spark(
                SparkFeatures.parallelize(LocalSpark.context(), x, outOfRange, K, 2), seeded().build(), "label.jsonl"));
        assertTrue(e.getMessage().contains("row 5: label 3 is outside [0, 3)"), e.getMessage());
        try (PrivacyLedger l = PrivacyLedger.open(dir.resolve("nan.jsonl"))) {
            assertEquals(0, l.size(), "nothing is recorded for a refused run");
        }
        JavaRDD<FeatureBlock> wide = LocalSpark.context().parallelize(List.of(FeatureBlock.of(new double[14], 7,
                new int[2])), 1);
        e = assertThrows(IllegalArgumentException.class, () -> SparkFeatures.of(wide, D, K).check());
        assertTrue(e.getMessage().contains("rows have 7 values but the features have d=6"), e.getMessage());
        assertNull(FeatureBlock.of(new double[12], 6, new int[2]).problem(D, K, "ok"));
    }
}
