package org.dpdl4j.accountant.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class OneRunAuditTest {

    @Test
    void pureDpPValueIsTheBinomialTail() {
        // δ = 0: p = P[Binom(r, q) ≥ v]; with ε = 0, q = 1/2: P[Binom(10, 1/2) ≥ 10] = 2^-10
        assertEquals(Math.pow(2, -10), OneRunAudit.pValue(0, 0, 100, 10, 10), 1e-15);
        assertEquals(1.0, OneRunAudit.pValue(1, 0, 100, 10, 0), 0);
    }

    @Test
    void perfectGuessingOfManyCanariesProvesALargeEpsilon() {
        // 1000 guesses all correct: a non-private mechanism; the bound must be large
        double eps = OneRunAudit.epsilonLowerBound(1e-5, 1000, 1000, 1000, 0.05);
        assertTrue(eps > 4, "bound " + eps);
        // and it is exactly where the p-value crosses 5%
        assertTrue(OneRunAudit.pValue(eps * 0.999, 1e-5, 1000, 1000, 1000) <= 0.05);
        assertTrue(OneRunAudit.pValue(eps * 1.01, 1e-5, 1000, 1000, 1000) > 0.05);
    }

    @Test
    void chanceLevelGuessingProvesNothing() {
        assertEquals(0.0, OneRunAudit.epsilonLowerBound(1e-5, 1000, 200, 100, 0.05), 0);
    }

    @Test
    void boundGrowsWithAccuracyAndShrinksWithDelta() {
        double a = OneRunAudit.epsilonLowerBound(1e-5, 1000, 200, 150, 0.05);
        double b = OneRunAudit.epsilonLowerBound(1e-5, 1000, 200, 180, 0.05);
        double c = OneRunAudit.epsilonLowerBound(1e-2, 1000, 200, 180, 0.05);
        assertTrue(a < b, a + " < " + b);
        assertTrue(c <= b, c + " <= " + b);
    }

    /** Simulated ε-DP randomized response on canaries: the audit must not claim more than ε (95% of the time). */
    @Test
    void auditOfATrueEpsilonMechanismRarelyExceedsIt() {
        double eps = 1.0;
        Random rnd = new Random(42);
        int over = 0;
        int runs = 200;
        for (int run = 0; run < runs; run++) {
            int m = 500;
            boolean[] in = new boolean[m];
            double[] score = new double[m];
            double keep = Math.exp(eps) / (1 + Math.exp(eps));
            for (int i = 0; i < m; i++) {
                in[i] = rnd.nextBoolean();
                boolean reported = rnd.nextDouble() < keep ? in[i] : !in[i];
                score[i] = (reported ? 1 : 0) + rnd.nextDouble() * 1e-3;
            }
            int[] g = OneRunAudit.guess(score, in, 100, 100);
            if (OneRunAudit.epsilonLowerBound(0, m, g[0], g[1], 0.05) > eps) {
                over++;
            }
        }
        assertTrue(over <= runs * 0.05 + 3 * Math.sqrt(runs * 0.05), over + " of " + runs + " runs exceeded the true epsilon");
    }

    @Test
    void badArgumentsAreExplained() {
        assertThrows(IllegalArgumentException.class, () -> OneRunAudit.pValue(1, 1e-5, 10, 11, 1));
        assertThrows(IllegalArgumentException.class, () -> OneRunAudit.pValue(1, 1e-5, 10, 5, 6));
        assertThrows(IllegalArgumentException.class, () -> OneRunAudit.pValue(-1, 1e-5, 10, 5, 1));
        assertThrows(IllegalArgumentException.class, () -> OneRunAudit.epsilonLowerBound(1e-5, 10, 5, 1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> OneRunAudit.guess(new double[2], new boolean[3], 1, 1));
    }
}
