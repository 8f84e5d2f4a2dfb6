package org.dpdl4j.examples.fashion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reduced, fast version of the end-to-end DP CNN run on real Fashion-MNIST (the full run is documented in
 * docs/results.md): a subset, few epochs, and a weak accuracy floor that still fails if the pipeline
 * does not learn. ε is re-derived from the ledger file alone.
 */
class DpSgdFashionMnistSmokeTest {

    @TempDir
    Path dir;

    @Test
    void privateCnnLearnsOnASubsetWithinItsBudget() throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST missing: apt-get install dataset-fashion-mnist");
        DpSgdFashionMnist ex = new DpSgdFashionMnist();
        ex.trainSubset = 6000;
        ex.testSubset = 2000;
        ex.epochs = 2;
        ex.batch = 256;
        ex.physicalBatch = 256;
        ex.ledger = dir.resolve("ledger.jsonl");
        DpSgdFashionMnist.Result r = ex.run();
        assertTrue(r.testAccuracy() > 0.60, "test accuracy " + r.testAccuracy());
        assertTrue(r.report().epsilon() <= 3.0, "epsilon " + r.report().epsilon());
        double fromLedger = RdpAccountant.withDefaultOrders()
                .epsilon(PrivacyLedger.compose(PrivacyLedger.read(ex.ledger)), 1e-5).epsilon();
        assertEquals(r.report().epsilon(), fromLedger, 1e-12, "an auditor recomputes the same epsilon from the file");
    }
}
