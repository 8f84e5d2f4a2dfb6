package org.dpdl4j.accountant.gaussian;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.rdp.RdpAccountant;

class GaussianProperties {

    @Property
    void epsilonAndDeltaAreInverse(@ForAll @DoubleRange(min = 0.01, max = 30) double mu,
                                   @ForAll @DoubleRange(min = -12, max = -0.31) double log10Delta) {
        double delta = Math.pow(10, log10Delta);
        double eps = GaussianAccountant.epsilon(mu, delta);
        assertTrue(Double.isFinite(eps));
        if (eps > 0) {
            double back = GaussianAccountant.delta(mu, eps);
            assertTrue(back <= delta, "delta(eps(delta)) must not exceed delta");
            assertEquals(delta, back, 1e-7 * delta);
        }
    }

    @Property
    void epsilonRisesWithMuAndFallsWithDelta(@ForAll @DoubleRange(min = 0.01, max = 20) double mu,
                                             @ForAll @DoubleRange(min = -12, max = -1) double log10Delta) {
        double delta = Math.pow(10, log10Delta);
        assertTrue(GaussianAccountant.epsilon(mu, delta) <= GaussianAccountant.epsilon(mu * 1.01, delta));
        assertTrue(GaussianAccountant.epsilon(mu, delta * 2) <= GaussianAccountant.epsilon(mu, delta));
    }

    @Property(tries = 60)
    void exactIsNeverAboveRdp(@ForAll @DoubleRange(min = 0.5, max = 50) double sigma,
                              @ForAll @LongRange(min = 1, max = 5000) long steps) {
        var event = new SelfComposedEvent(GaussianEvent.of(sigma), steps);
        double exact = new GaussianAccountant().epsilon(event, 1e-5).epsilon();
        double rdp = RdpAccountant.withDefaultOrders().epsilon(event, 1e-5).epsilon();
        assertTrue(exact <= rdp * (1 + 1e-9), "exact " + exact + " vs rdp " + rdp);
    }
}
