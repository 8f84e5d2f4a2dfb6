package org.dpdl4j.accountant.pld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DiscretizationErrorTest {

    /** max over v of Δ(1 − e^{−v})/(1 − e^{−Δ}) − v by a fine scan. */
    private static double bruteForceBias(double d) {
        double best = 0;
        for (int i = 0; i <= 200_000; i++) {
            double v = d * i / 200_000;
            best = Math.max(best, d * -Math.expm1(-v) / -Math.expm1(-d) - v);
        }
        return best;
    }

    @Test
    void biasMatchesItsDefinitionAndTheQuadraticBound() {
        for (double d : new double[] {1e-6, 1e-4, 3e-3, 0.02, 0.3, 1.0, 3.0}) {
            double b = DiscretizationError.bias(d);
            assertEquals(bruteForceBias(d), b, 1e-9 * b + 1e-300, "bias at " + d);
            assertTrue(b <= d * d / 8 * (1 + 1e-9), "b(Δ) <= Δ²/8 at " + d);
        }
    }

    @Test
    void shiftCombinesBiasAndHoeffding() {
        double d = 1e-4;
        long t = 10_000;
        double logEta = Math.log(1e-8);
        double expected = t * DiscretizationError.bias(d) + d * Math.sqrt(t * -logEta / 2);
        assertEquals(expected, DiscretizationError.shift(d, t, logEta), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> DiscretizationError.shift(d, t, 0.0));
    }
}
