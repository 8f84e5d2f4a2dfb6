package org.dpdl4j.examples.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.dl4j.export.PrivateModelBundle;
import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reduced, fast run of {@code bin/example private-head} on real Fashion-MNIST: small public, private and
 * test subsets, 2 pretraining epochs, 50 NoisyGD steps; a weak accuracy floor that still fails if the
 * pipeline does not learn, and ε re-derived from the ledger file alone.
 */
class PrivateHeadFashionMnistSmokeTest {

    @TempDir
    Path dir;

    @Test
    void privateHeadOnFrozenFeaturesLearnsWithinItsBudget() throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST missing: apt-get install dataset-fashion-mnist");
        PrivateHeadFashionMnist ex = new PrivateHeadFashionMnist();
        ex.publicSize = 1000;
        ex.privateSize = 5000;
        ex.testSize = 1000;
        ex.pretrainEpochs = 2;
        ex.pca = 32;
        ex.steps = 50;
        ex.out = dir;
        PrivateHeadFashionMnist.Result r = ex.run();
        assertTrue(r.testAccuracy() > 0.6, "test accuracy " + r.testAccuracy());
        assertTrue(r.epsilon() <= 3.0 && r.epsilon() > 2.99, "epsilon " + r.epsilon());
        double fromLedger = new GaussianAccountant().epsilon(PrivacyLedger.readEvent(r.ledger()), 1e-5).epsilon();
        assertEquals(r.epsilon(), fromLedger, 1e-12, "an auditor recomputes the same epsilon from the file");
        assertEquals(50, PrivacyLedger.read(r.ledger()).size());
        assertTrue(Files.exists(r.bundle().resolve(PrivateModelBundle.MODEL)));
        assertTrue(Files.readString(r.bundle().resolve(PrivateModelBundle.REPORT_TEXT)).contains("public split"));
    }
}
