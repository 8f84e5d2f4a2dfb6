package org.dpdl4j.examples.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.export.PrivateModelBundle;
import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reduced, fast run of {@code bin/example private-head} on real Fashion-MNIST: small public, private and
 * test subsets, 1 pretraining epoch, 50 NoisyGD steps; a weak accuracy floor that still fails if the
 * pipeline does not learn, and ε re-derived from the ledger file alone. A second run reuses the cached
 * backbone and features and gives the same features (so the same NC diagnostics).
 */
class PrivateHeadFashionMnistSmokeTest {

    @TempDir
    Path dir;

    private PrivateHeadFashionMnist reduced(Path out, List<String> log) {
        PrivateHeadFashionMnist ex = new PrivateHeadFashionMnist();
        ex.publicSize = 1000;
        ex.privateSize = 5000;
        ex.testSize = 1000;
        ex.pretrainEpochs = 1;
        ex.pca = 32;
        ex.steps = 50;
        ex.out = out;
        ex.cacheDir = dir.resolve("cache");
        ex.log = log::add;
        return ex;
    }

    @Test
    void privateHeadOnFrozenFeaturesLearnsWithinItsBudgetAndReusesTheCache() throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST missing: apt-get install dataset-fashion-mnist");
        List<String> log = new ArrayList<>();
        PrivateHeadFashionMnist.Result r = reduced(dir.resolve("run1"), log).run();
        assertTrue(r.testAccuracy() > 0.6, "test accuracy " + r.testAccuracy());
        assertTrue(r.epsilon() <= 3.0 && r.epsilon() > 2.99, "epsilon " + r.epsilon());
        double fromLedger = new GaussianAccountant().epsilon(PrivacyLedger.readEvent(r.ledger()), 1e-5).epsilon();
        assertEquals(r.epsilon(), fromLedger, 1e-12, "an auditor recomputes the same epsilon from the file");
        assertEquals(50, PrivacyLedger.read(r.ledger()).size());
        assertTrue(Files.exists(r.bundle().resolve(PrivateModelBundle.MODEL)));
        assertTrue(Files.readString(r.bundle().resolve(PrivateModelBundle.REPORT_TEXT)).contains("public split"));
        List<String> indices = Files.readAllLines(dir.resolve("run1/public-split-indices.txt"));
        assertEquals(1001, indices.size(), "a comment line and the 1,000 public indices");
        assertFalse(r.backboneFromCache());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("pretrain") && l.contains("epoch 1/1 done")), log.toString());
        assertTrue(log.stream().anyMatch(l -> l.startsWith("features") && l.contains("done")), log.toString());
        assertTrue(r.seconds().keySet().containsAll(List.of("pretrain", "features", "head", "total")), r.seconds().toString());

        List<String> log2 = new ArrayList<>();
        PrivateHeadFashionMnist.Result again = reduced(dir.resolve("run2"), log2).run();
        assertTrue(again.backboneFromCache());
        assertTrue(log2.stream().anyMatch(l -> l.contains("reusing cache")), log2.toString());
        assertEquals(r.diagnostics(), again.diagnostics(), "the same features, so the same diagnostics");

        // Convolutional features (layer 3, max pooling: 32 x 4 x 4 = 512 dims) from the same cached backbone, PCA, export.
        PrivateHeadFashionMnist conv = reduced(dir.resolve("run3"), new ArrayList<>());
        conv.featureLayer = 3;
        conv.pca = 16;
        PrivateHeadFashionMnist.Result c = conv.run();
        assertTrue(c.backboneFromCache());
        assertEquals(512, c.diagnostics().dimension());
        assertTrue(c.testAccuracy() > 0.6, "test accuracy " + c.testAccuracy());
        org.deeplearning4j.nn.multilayer.MultiLayerNetwork model = PrivateModelBundle.loadModel(c.bundle());
        FashionMnist test = FashionMnist.test().subset(1000, 1);
        double exportedAccuracy = model.evaluate(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(
                test.toDataSet().batchBy(500))).accuracy();
        assertEquals(c.testAccuracy(), exportedAccuracy, 0.003, "the exported network on raw pixels agrees with the head");
    }
}
