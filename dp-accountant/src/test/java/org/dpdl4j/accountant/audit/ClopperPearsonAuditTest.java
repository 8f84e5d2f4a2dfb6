package org.dpdl4j.accountant.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ClopperPearsonAuditTest {

    @Test
    void boundsMatchClosedFormsAtTheEdges() {
        // x = 0: upper bound 1 − α^{1/n}; x = n: lower bound α^{1/n}
        assertEquals(1 - Math.pow(0.025, 1.0 / 100), ClopperPearsonAudit.upperBound(0, 100, 0.025), 1e-9);
        assertEquals(Math.pow(0.025, 1.0 / 100), ClopperPearsonAudit.lowerBound(100, 100, 0.025), 1e-9);
        assertEquals(1.0, ClopperPearsonAudit.upperBound(5, 5, 0.05), 0);
        assertEquals(0.0, ClopperPearsonAudit.lowerBound(0, 5, 0.05), 0);
        // a textbook value: 5 of 20, 95% two-sided interval [0.0866, 0.4910]
        assertEquals(0.0866, ClopperPearsonAudit.lowerBound(5, 20, 0.025), 1e-4);
        assertEquals(0.4910, ClopperPearsonAudit.upperBound(5, 20, 0.025), 1e-4);
    }

    @Test
    void aPerfectDistinguisherProvesTheLogOfTheRunCount() {
        // no errors in 100 + 100 runs: each rate at 0.05/2, FPR, FNR ≤ 1 − 0.025^{1/100} ≈ 0.0362, ε ≥ ln(0.964 / 0.0362)
        double bar = 1 - Math.pow(0.025, 1.0 / 100);
        double expected = Math.log((1 - 1e-5 - bar) / bar);
        assertEquals(expected, ClopperPearsonAudit.epsilonLowerBound(0, 100, 0, 100, 1e-5, 0.05), 1e-6);
        assertTrue(expected > 3.0);
    }

    @Test
    void chanceLevelProvesNothing() {
        assertEquals(0.0, ClopperPearsonAudit.epsilonLowerBound(50, 100, 50, 100, 1e-5, 0.05), 0);
    }

    /** A simulated ε-DP randomized response must not be bounded above its ε more than 5% of the time. */
    @Test
    void randomizedResponseIsRarelyBoundedAboveItsEpsilon() {
        double eps = 1.0;
        double keep = Math.exp(eps) / (1 + Math.exp(eps));
        Random rnd = new Random(7);
        int over = 0;
        int audits = 200;
        for (int a = 0; a < audits; a++) {
            double[] onD = new double[500];
            double[] onNeighbour = new double[500];
            for (int i = 0; i < 500; i++) {
                onD[i] = rnd.nextDouble() < keep ? 0 : 1;
                onNeighbour[i] = rnd.nextDouble() < keep ? 1 : 0;
            }
            if (ClopperPearsonAudit.epsilonLowerBound(onD, onNeighbour, new double[] {0.5}, 0, 0.05).epsilon() > eps) {
                over++;
            }
        }
        assertTrue(over <= 10 + 3 * Math.sqrt(10), over + " of " + audits + " audits exceeded the true epsilon");
        // and with many runs the bound gets close to ε: ln((1 − FPR)/FNR) → ln(keep/(1 − keep)) = ε
        double[] onD = new double[20000];
        double[] onNeighbour = new double[20000];
        for (int i = 0; i < onD.length; i++) {
            onD[i] = rnd.nextDouble() < keep ? 0 : 1;
            onNeighbour[i] = rnd.nextDouble() < keep ? 1 : 0;
        }
        double bound = ClopperPearsonAudit.epsilonLowerBound(onD, onNeighbour, new double[] {0.5}, 0, 0.05).epsilon();
        assertTrue(bound > 0.9 && bound <= 1.0 + 0.02, "bound " + bound);
    }

    @Test
    void tryingSeveralThresholdsCostsABonferroniCorrection() {
        double[] onD = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        double[] onNeighbour = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        double one = ClopperPearsonAudit.epsilonLowerBound(onD, onNeighbour, new double[] {0.5}, 0, 0.05).epsilon();
        var three = ClopperPearsonAudit.epsilonLowerBound(onD, onNeighbour, new double[] {-1, 0.5, 2}, 0, 0.05);
        assertTrue(three.epsilon() < one, three.epsilon() + " < " + one);
        assertEquals(0.5, three.threshold(), 0);
        assertEquals(0, three.falsePositives());
        assertEquals(0, three.falseNegatives());
    }

    @Test
    void badArgumentsAreExplained() {
        assertThrows(IllegalArgumentException.class, () -> ClopperPearsonAudit.upperBound(3, 2, 0.05));
        assertThrows(IllegalArgumentException.class, () -> ClopperPearsonAudit.upperBound(0, 0, 0.05));
        assertThrows(IllegalArgumentException.class, () -> ClopperPearsonAudit.lowerBound(1, 2, 1.5));
        assertThrows(IllegalArgumentException.class, () -> ClopperPearsonAudit.epsilonLowerBound(0, 10, 0, 10, 1.0, 0.05));
        assertThrows(IllegalArgumentException.class,
                () -> ClopperPearsonAudit.epsilonLowerBound(new double[0], new double[] {1}, new double[] {0}, 0, 0.05));
        assertThrows(IllegalArgumentException.class,
                () -> ClopperPearsonAudit.epsilonLowerBound(new double[] {Double.NaN}, new double[] {1}, new double[] {0}, 0, 0.05));
    }
}
