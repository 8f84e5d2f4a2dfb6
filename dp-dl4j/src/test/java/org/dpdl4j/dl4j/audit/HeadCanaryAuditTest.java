package org.dpdl4j.dl4j.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.core.audit.AuditResult;
import org.dpdl4j.core.audit.CanaryAuditConfig;
import org.dpdl4j.dl4j.head.HeadConfig;
import org.dpdl4j.dl4j.head.HeadMode;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HeadCanaryAuditTest {

    private static INDArray[] realData(int rows, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, rows, 8);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, rows, classes);
        for (int i = 0; i < rows; i++) {
            y.putScalar(i, (int) Math.floorMod(Math.round(3 * x.getDouble(i, 0)), classes), 1.0);
        }
        return new INDArray[] {x, y};
    }

    /**
     * Full-batch NoisyGD, σ = 5 over 100 steps: each canary is a Gaussian mechanism with μ = √100/5 = 2, so
     * the claim (exact Gaussian accounting) is about 10.6 at δ = 1e-5. The one-run audit with m = 2000
     * canaries must find a clearly positive bound (simulated: about 3.5, always above 2.5) that stays
     * below the claim: the audit sees the head's privacy loss, and the head does not leak more than claimed.
     */
    @Test
    void fullBatchHeadHasAPositiveBoundBelowItsClaim() {
        INDArray[] d = realData(500, 2, 1);
        HeadConfig config = HeadConfig.builder().mode(HeadMode.FULL_BATCH).clipNorm(1.0).steps(100).noiseMultiplier(5.0)
                .delta(1e-5).learningRate(0.5).bias(false).seed(5).build();
        AuditResult r = HeadCanaryAudit.run(d[0], d[1], config,
                CanaryAuditConfig.builder().canaries(2000).seed(9).build());
        System.out.println(r);
        assertEquals(67, r.guesses());
        assertTrue(r.epsilonLowerBound() > 2.0, r.toString());
        assertFalse(r.exceedsClaim(), r.toString());
        assertTrue(r.notes().isEmpty(), r.notes().toString());
    }

    /** Poisson head with a bias and three classes: the final-parameter score is weak but the bound stays valid. */
    @Test
    void poissonHeadWithBiasStaysBelowItsClaim() {
        INDArray[] d = realData(500, 3, 2);
        HeadConfig config = HeadConfig.builder().mode(HeadMode.POISSON).expectedBatchSize(30).clipNorm(1.0).steps(100)
                .noiseMultiplier(1.0).delta(1e-5).accountant(AccountantType.PLD).learningRate(0.2).momentum(0.5)
                .bias(true).seed(6).build();
        AuditResult r = HeadCanaryAudit.run(d[0], d[1], config,
                CanaryAuditConfig.builder().canaries(1000).guesses(30, 30).seed(10).build());
        System.out.println(r);
        assertEquals(60, r.guesses());
        assertFalse(r.exceedsClaim(), r.toString());
        assertTrue(r.toJson().contains("\"claimed_epsilon\""), r.toJson());
    }

    @Test
    void badInputIsExplained() {
        INDArray[] d = realData(20, 2, 3);
        HeadConfig.Builder b = HeadConfig.builder().mode(HeadMode.FULL_BATCH).clipNorm(1.0).steps(5).noiseMultiplier(1.0)
                .delta(1e-5).learningRate(0.1).bias(false);
        CanaryAuditConfig audit = CanaryAuditConfig.builder().canaries(10).seed(1).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HeadCanaryAudit.run(d[0], d[1],
                b.initialHead(PrivateLinearHead.zeros(8, 2, false, DataType.DOUBLE)).build(), audit));
        assertTrue(e.getMessage().contains("initialHead"), e.getMessage());
        HeadConfig ok = HeadConfig.builder().mode(HeadMode.FULL_BATCH).clipNorm(1.0).steps(5).noiseMultiplier(1.0)
                .delta(1e-5).learningRate(0.1).bias(false).build();
        e = assertThrows(IllegalArgumentException.class, () -> HeadCanaryAudit.run(d[0], d[1], ok,
                CanaryAuditConfig.builder().canaries(10).canaryScale(1.0).build()));
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> HeadCanaryAudit.run(d[0], d[1].getColumn(0).reshape(20, 1),
                ok, audit));
        assertTrue(e.getMessage().contains("2 classes"), e.getMessage());
    }
}
