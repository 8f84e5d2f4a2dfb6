package org.dpdl4j.accountant.rdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;

class RdpProperties {

    private static final RdpAccountant RDP = RdpAccountant.withDefaultOrders();

    private static double eps(double q, double sigma, long steps, double delta) {
        return RDP.epsilon(new SelfComposedEvent(PoissonSampledEvent.gaussian(q, sigma), steps), delta).epsilon();
    }

    @Property(tries = 60)
    void epsilonRisesWithSteps(@ForAll @DoubleRange(min = -4, max = 0) double log10Q,
                               @ForAll @DoubleRange(min = 0.5, max = 20) double sigma,
                               @ForAll @LongRange(min = 1, max = 100_000) long steps) {
        double q = Math.pow(10, log10Q);
        assertTrue(eps(q, sigma, steps, 1e-5) <= eps(q, sigma, steps + 1 + steps / 3, 1e-5));
    }

    @Property(tries = 60)
    void epsilonRisesWithSamplingRate(@ForAll @DoubleRange(min = -4, max = -0.05) double log10Q,
                                      @ForAll @DoubleRange(min = 0.5, max = 20) double sigma,
                                      @ForAll @LongRange(min = 1, max = 10_000) long steps) {
        double q = Math.pow(10, log10Q);
        assertTrue(eps(q, sigma, steps, 1e-5) <= eps(Math.min(1, q * 1.1), sigma, steps, 1e-5));
    }

    @Property(tries = 60)
    void epsilonFallsWithNoise(@ForAll @DoubleRange(min = -4, max = 0) double log10Q,
                               @ForAll @DoubleRange(min = 0.5, max = 20) double sigma,
                               @ForAll @LongRange(min = 1, max = 10_000) long steps) {
        double q = Math.pow(10, log10Q);
        assertTrue(eps(q, sigma * 1.05, steps, 1e-5) <= eps(q, sigma, steps, 1e-5));
    }

    @Property(tries = 60)
    void epsilonFallsWithDelta(@ForAll @DoubleRange(min = -4, max = 0) double log10Q,
                               @ForAll @DoubleRange(min = 0.5, max = 20) double sigma,
                               @ForAll @DoubleRange(min = -12, max = -1) double log10Delta) {
        double q = Math.pow(10, log10Q);
        double delta = Math.pow(10, log10Delta);
        assertTrue(eps(q, sigma, 1000, delta * 2) <= eps(q, sigma, 1000, delta));
    }

    @Property(tries = 60)
    void compositionOrderDoesNotMatter(@ForAll @DoubleRange(min = -4, max = 0) double log10Q1,
                                       @ForAll @DoubleRange(min = -4, max = 0) double log10Q2,
                                       @ForAll @DoubleRange(min = 0.5, max = 20) double s1,
                                       @ForAll @DoubleRange(min = 0.5, max = 20) double s2,
                                       @ForAll @LongRange(min = 0, max = 10_000) long t1,
                                       @ForAll @LongRange(min = 0, max = 10_000) long t2) {
        double q1 = Math.pow(10, log10Q1);
        double q2 = Math.pow(10, log10Q2);
        DpEvent a = new SelfComposedEvent(PoissonSampledEvent.gaussian(q1, s1), t1);
        DpEvent b = new SelfComposedEvent(PoissonSampledEvent.gaussian(q2, s2), t2);
        double ab = RDP.epsilon(ComposedEvent.of(a, b), 1e-5).epsilon();
        double ba = RDP.epsilon(ComposedEvent.of(b, a), 1e-5).epsilon();
        assertEquals(ab, ba, 1e-12 * Math.max(1, ab));
    }

    @Property(tries = 25)
    void calibrationRoundTrips(@ForAll @DoubleRange(min = -3, max = -0.7) double log10Q,
                               @ForAll @LongRange(min = 10, max = 20_000) long steps,
                               @ForAll @DoubleRange(min = 0.3, max = 10) double target) {
        double q = Math.pow(10, log10Q);
        var c = NoiseCalibration.noiseMultiplier(RDP, s -> new SelfComposedEvent(PoissonSampledEvent.gaussian(q, s), steps),
                target, 1e-5);
        double back = eps(q, c.noiseMultiplier(), steps, 1e-5);
        assertTrue(back <= target, "calibrated sigma must never exceed the target: " + back + " > " + target);
        assertEquals(target, back, 1e-5 * target, "and must be an exact root");
    }
}
