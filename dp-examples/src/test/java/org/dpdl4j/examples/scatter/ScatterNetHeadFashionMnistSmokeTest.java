package org.dpdl4j.examples.scatter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.ledger.PrivacyLedger;
import org.dpdl4j.examples.data.FashionMnist;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reduced, fast run of {@code bin/example scatternet-head} on real Fashion-MNIST: the whole pipeline
 * (scattering, its on-disk cache, group normalisation, Poisson DP-SGD head, the three ε reports) on 4,000
 * private and 1,000 test images with a batch of 1,000 for 10 epochs, σ = 4.05. The full reproduction
 * (60,000 images, batch 8,192, 40 epochs) is {@code bin/reproduce-scatternet} / {@code mvn -Preproduce}.
 * The accuracy floor is weak (the full run reaches about 90%) but fails if the features or the head do not
 * learn.
 */
class ScatterNetHeadFashionMnistSmokeTest {

    @TempDir
    Path dir;

    @Test
    void scatterNetFeaturesAndDpHeadLearnOnASubset() throws Exception {
        assumeTrue(FashionMnist.isAvailable(), "Fashion-MNIST missing: apt-get install dataset-fashion-mnist");
        ScatterNetHeadFashionMnist ex = new ScatterNetHeadFashionMnist();
        ex.trainSubset = 4000;
        ex.testSubset = 1000;
        ex.batch = 1000;
        ex.epochs = 10;
        ex.seededNoise = true;
        ex.cache = dir.resolve("cache");
        ex.ledger = dir.resolve("ledger.jsonl");
        ScatterNetHeadFashionMnist.Result r = ex.run();
        System.out.printf("smoke: test accuracy %.4f, eps RDP %.4f / classic %.4f / PLD %.4f%n", r.accuracy(),
                r.epsilonRdp(), r.epsilonRdpClassic(), r.epsilonPld());
        assertEquals(40, r.steps());
        assertEquals(4000, r.trainSize());
        assertEquals(1000, r.evalSize());
        assertTrue(r.accuracy() > 0.70, "test accuracy " + r.accuracy());
        // The ledger alone gives the same epsilon; classic RDP > improved RDP > PLD, as it must.
        double fromLedger = AccountantType.RDP.create().epsilon(PrivacyLedger.readEvent(r.ledger()), 1e-5).epsilon();
        assertEquals(r.epsilonRdp(), fromLedger, 1e-12);
        assertTrue(r.epsilonRdpClassic() > r.epsilonRdp() && r.epsilonRdp() > r.epsilonPld(),
                r.epsilonRdpClassic() + " / " + r.epsilonRdp() + " / " + r.epsilonPld());
        assertEquals(40, PrivacyLedger.read(r.ledger()).size());
        assertEquals(5000, r.scatteredImages());
        // A second run reuses the cached features: nothing is transformed again.
        ex.ledger = dir.resolve("ledger2.jsonl");
        ex.epochs = 1;
        assertEquals(0, ex.run().scatteredImages());
    }
}
