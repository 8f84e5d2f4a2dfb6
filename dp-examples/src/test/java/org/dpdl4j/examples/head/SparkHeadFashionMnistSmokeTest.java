package org.dpdl4j.examples.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reduced run of {@code bin/example spark-head} on real Fashion-MNIST in Spark local[2]: small splits, one
 * pretraining epoch, 30 NoisyGD steps over 3 partitions; the head must learn, spend exactly its budget, and
 * leave one ledger record per step that an auditor turns into the same ε.
 */
class SparkHeadFashionMnistSmokeTest {

    @TempDir
    Path dir;

    @Test
    void sparkHeadLearnsWithinItsBudget() throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST missing: apt-get install dataset-fashion-mnist");
        SparkHeadFashionMnist ex = new SparkHeadFashionMnist();
        ex.master = "local[2]";
        ex.partitions = 3;
        ex.publicSize = 1000;
        ex.privateSize = 3000;
        ex.testSize = 1000;
        ex.pretrainEpochs = 1;
        ex.pca = 32;
        ex.steps = 30;
        ex.out = dir.resolve("out");
        ex.cacheDir = dir.resolve("cache");
        ex.parquet = dir.resolve("features.parquet");
        List<String> log = new ArrayList<>();
        ex.log = log::add;
        SparkHeadFashionMnist.Result r = ex.run();
        assertTrue(r.testAccuracy() > 0.55, "test accuracy " + r.testAccuracy());
        assertTrue(r.epsilon() <= 3.0 && r.epsilon() > 2.99, "epsilon " + r.epsilon());
        assertEquals(30, PrivacyLedger.read(r.ledger()).size());
        assertEquals(r.epsilon(), new GaussianAccountant().epsilon(PrivacyLedger.readEvent(r.ledger()), 1e-5).epsilon(),
                1e-12);
        assertEquals(3, r.partitions());
        assertTrue(log.stream().anyMatch(l -> l.contains("Spark, 3 partitions")), log.toString());
        assertTrue(dir.resolve("features.parquet").toFile().isDirectory());
    }
}
