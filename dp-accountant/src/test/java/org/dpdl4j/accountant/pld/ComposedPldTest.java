package org.dpdl4j.accountant.pld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ComposedPldTest {

    /** Two points at losses 1 and 3 (grid 0.5, window from −2), plus an atom at +∞. */
    private static ComposedPld sample() {
        double[] pmf = new double[12];
        pmf[6] = 0.6; // loss 1
        pmf[10] = 0.3; // loss 3
        return new ComposedPld(0.5, -4, pmf, 0.1, 0, 0, 0, 0);
    }

    private static double definition(double eps) {
        return 0.1 + 0.6 * Math.max(0, 1 - Math.exp(eps - 1)) + 0.3 * Math.max(0, 1 - Math.exp(eps - 3));
    }

    @Test
    void deltaFollowsTheDefinition() {
        ComposedPld c = sample();
        for (double eps : new double[] {0, 0.3, 1, 1.2, 2.9, 3, 3.5, 1000}) {
            assertEquals(definition(eps), c.delta(eps, 0.0), 1e-15, "at " + eps);
        }
        assertEquals(0.1 + 0.01, c.delta(5, 0.01), 1e-15);
    }

    @Test
    void epsilonInvertsDeltaExactly() {
        ComposedPld c = sample();
        for (double target : new double[] {0.11, 0.2, 0.35, 0.5, 0.7}) {
            double eps = c.epsilon(target, 0.0);
            assertEquals(target, definition(eps), 1e-12, "at " + target);
        }
        assertEquals(0.0, c.epsilon(0.95, 0.0));
        assertEquals(Double.POSITIVE_INFINITY, c.epsilon(0.05, 0.0));
        assertTrue(c.epsilon(0.2, 0.05) > c.epsilon(0.2, 0.0));
    }

    @Test
    void largeLossesNeverOverflow() {
        double[] pmf = new double[4];
        pmf[1] = 0.5;
        pmf[3] = 0.5;
        ComposedPld c = new ComposedPld(1.0, 800, pmf, 0, 0, 0, 0, 0);
        double d = c.delta(801.5, 0.0);
        assertEquals(0.5 * -Math.expm1(801.5 - 803), d, 1e-15);
        double eps = c.epsilon(d, 0.0);
        assertEquals(801.5, eps, 1e-9);
        assertEquals(1.0, c.delta(0, 0.0), 1e-15);
    }
}
