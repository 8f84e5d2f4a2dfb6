package org.dpdl4j.core.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.SamplingMode;
import org.junit.jupiter.api.Test;

/**
 * The two-dataset audit's own behaviour and a CI-sized smoke run of the multi-run Clopper–Pearson audit;
 * the full-size version runs with {@code mvn -Paudit-cp} (training.ClopperPearsonMultiRunAuditTest).
 */
class DistinguishingAuditTest {

    /**
     * 30 independent runs of 3 steps on D and on D' (secure noise), target log-likelihood ratio: the
     * correct pipeline stays below its claim. (With 30 runs the bound cannot exceed about 1.9: this checks
     * the machinery end to end, the profile measures it.)
     */
    @Test
    void multiRunSmokeOfTheCorrectPipeline() {
        DpSgdConfig secure = DpSgdConfig.builder().sampling(SamplingMode.POISSON).batchSize(9.9).clipNorm(1.0)
                .noiseMultiplier(3.0).epochs(3).delta(1e-5).accountant(AccountantType.PLD).build();
        DistinguishingAuditResult r = DistinguishingAudit.run(DistinguishingAudit.Config.builder().trials(30).others(10)
                .inputs(50).thresholds(1, 3).build(), secure, DistinguishingAudit.Distinguisher.targetLikelihoodRatio());
        System.out.println(r);
        assertEquals(30, r.trials());
        assertTrue(r.claimedEpsilon() > 1.5 && r.claimedEpsilon() < 4, r.toString());
        assertFalse(r.exceedsClaim(), r.toString());
        assertTrue(r.toJson().contains("\"false_negatives\""), r.toJson());
    }

    @Test
    void invalidAuditsAreRefusedWithAReason() {
        DistinguishingAudit.Config runs = DistinguishingAudit.Config.builder().trials(5).thresholds(0).build();
        DpSgdConfig seeded = AuditFixtures.perStepConfig(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.run(runs,
                seeded, DistinguishingAudit.Distinguisher.targetLikelihoodRatio()));
        assertTrue(e.getMessage().contains("secure"), e.getMessage());
        DpSgdConfig withLedger = DpSgdConfig.builder().sampling(SamplingMode.POISSON).batchSize(5).clipNorm(1.0)
                .noiseMultiplier(1.0).delta(1e-5).ledger(java.nio.file.Path.of("x.jsonl")).build();
        e = assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.run(runs, withLedger,
                DistinguishingAudit.Distinguisher.targetLikelihoodRatio()));
        assertTrue(e.getMessage().contains("ledger"), e.getMessage());
        DpSgdConfig tooBig = DpSgdConfig.builder().sampling(SamplingMode.POISSON).batchSize(50).clipNorm(1.0)
                .noiseMultiplier(1.0).delta(1e-5).build();
        e = assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.run(runs, tooBig,
                DistinguishingAudit.Distinguisher.targetLikelihoodRatio()));
        assertTrue(e.getMessage().contains("exceeds"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.Config.builder().trials(0));
        assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.Config.builder().others(0));
        assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.Config.builder().inputs(1));
        assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.Config.builder().thresholds());
        assertThrows(IllegalArgumentException.class, () -> DistinguishingAudit.Config.builder().trials(3).build());
    }

    @Test
    void impliedBatchSizeReadsTheNoiseScale() {
        double[][] step = new double[201][2];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(3);
        for (double[] row : step) {
            for (int j = 0; j < 2; j++) {
                // noise of std σ·B/K with σ = 2, B = 10, K = 8: the release of a step divided by its realised size
                row[j] = 2.0 * 10 / 8 * Math.sqrt(-2 * Math.log(1 - rnd.nextDouble())) * Math.cos(2 * Math.PI * rnd.nextDouble());
            }
        }
        double k = DistinguishingAudit.Distinguisher.impliedBatchSize().score(
                new DistinguishingAudit.Release(new double[][][] {step}, 2.0, 0.5, 10, 10));
        assertEquals(8, k, 0.6);
    }
}
