package org.dpdl4j.accountant.gaussian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dpdl4j.accountant.UnsupportedEventException;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.junit.jupiter.api.Test;

class GaussianAccountantTest {

    private final GaussianAccountant accountant = new GaussianAccountant();

    @Test
    void matchesTheClosedFormForNoisyGd() {
        var event = new SelfComposedEvent(GaussianEvent.of(10), 100);
        assertEquals(1.0, GaussianAccountant.mu(event), 1e-15);
        double eps = accountant.epsilon(event, 1e-5).epsilon();
        assertEquals(4.377, eps, 5e-4);
        // solved to 1e-9 relative: δ at the returned ε equals the target
        assertEquals(1e-5, accountant.delta(event, eps), 1e-5 * 1e-9);
        double rdp = RdpAccountant.withDefaultOrders().epsilon(event, 1e-5).epsilon();
        assertEquals(4.729, rdp, 5e-4);
    }

    @Test
    void heterogeneousStepsComposeIntoOneGaussian() {
        var event = ComposedEvent.of(new SelfComposedEvent(GaussianEvent.of(5), 10), new SelfComposedEvent(GaussianEvent.of(20), 40));
        assertEquals(Math.sqrt(10 / 25.0 + 40 / 400.0), GaussianAccountant.mu(event), 1e-15);
        assertEquals(GaussianAccountant.epsilon(Math.sqrt(0.5), 1e-6), accountant.epsilon(event, 1e-6).epsilon(), 0);
    }

    @Test
    void fullBatchPoissonIsAccepted() {
        var event = new SelfComposedEvent(PoissonSampledEvent.gaussian(1.0, 10), 100);
        assertEquals(4.377, accountant.epsilon(event, 1e-5).epsilon(), 5e-4);
    }

    @Test
    void subsampledStepsAreRefused() {
        var ex = assertThrows(UnsupportedEventException.class,
                () -> accountant.epsilon(PoissonSampledEvent.gaussian(0.5, 1), 1e-5));
        assertTrue(ex.getMessage().contains("use the rdp or pld accountant"), ex.getMessage());
    }

    @Test
    void largeEpsilonDoesNotOverflow() {
        for (double mu : new double[] {10, 30, 40}) {
            double eps = GaussianAccountant.epsilon(mu, 1e-5);
            assertTrue(Double.isFinite(eps) && eps > mu * mu / 2, "mu=" + mu + " eps=" + eps);
            double d = GaussianAccountant.delta(mu, eps);
            assertEquals(1e-5, d, 1e-5 * 1e-8, "mu=" + mu);
        }
        assertTrue(GaussianAccountant.epsilon(40, 1e-5) > 700, "an epsilon past 700 where the Python peers overflow");
    }

    @Test
    void tinyMuGivesZeroEpsilonWhenDeltaAlreadyMet() {
        assertEquals(0.0, GaussianAccountant.epsilon(1e-9, 0.5), 0);
        assertEquals(0.0, GaussianAccountant.delta(0.0, 1.0), 0);
    }

    @Test
    void deltaMatchesDirectFormulaWhereItIsStable() {
        double mu = 1.3;
        double eps = 2.0;
        double direct = org.dpdl4j.accountant.math.LogMath.normalCdf(-eps / mu + mu / 2)
                - Math.exp(eps) * org.dpdl4j.accountant.math.LogMath.normalCdf(-eps / mu - mu / 2);
        assertEquals(direct, GaussianAccountant.delta(mu, eps), 1e-15);
    }
}
