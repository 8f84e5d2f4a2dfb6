package org.dpdl4j.accountant.pld;

import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Scale;

/**
 * Properties of the PLD accountant. Each PLD answer is an interval [ε − errorBound, ε] that contains the
 * true ε, so monotonicity of the true ε implies ε_small − errorBound_small ≤ ε_large for the reported
 * values; that (not strict monotonicity of the upper ends, which grid noise may break) is what is checked.
 * Few tries each, since every try composes thousands of steps.
 */
class PldAccountantProperties {

    private static final PldAccountant PLD = PldAccountant.withDefaults();
    private static final RdpAccountant RDP = RdpAccountant.withDefaultOrders();

    private static DpEvent poisson(double q, double sigma, long steps) {
        return new SelfComposedEvent(PoissonSampledEvent.gaussian(q, sigma), steps);
    }

    private static boolean atMost(EpsilonResult smaller, EpsilonResult larger) {
        return smaller.epsilon() - smaller.errorBound() <= larger.epsilon();
    }

    @Property(tries = 8)
    boolean epsilonRisesWithSteps(@ForAll @Scale(4) @DoubleRange(min = 0.002, max = 0.1) double q,
                                  @ForAll @Scale(4) @DoubleRange(min = 0.7, max = 3.0) double sigma,
                                  @ForAll @IntRange(min = 1, max = 1000) int steps,
                                  @ForAll @IntRange(min = 1, max = 1000) int more) {
        return atMost(PLD.epsilon(poisson(q, sigma, steps), 1e-5), PLD.epsilon(poisson(q, sigma, steps + more), 1e-5));
    }

    @Property(tries = 8)
    boolean epsilonRisesWithSamplingRate(@ForAll @Scale(4) @DoubleRange(min = 0.002, max = 0.2) double q,
                                         @ForAll @Scale(4) @DoubleRange(min = 1.0, max = 3.0) double factor,
                                         @ForAll @Scale(4) @DoubleRange(min = 0.7, max = 3.0) double sigma,
                                         @ForAll @IntRange(min = 1, max = 1000) int steps) {
        double q2 = Math.min(1.0, q * factor);
        return atMost(PLD.epsilon(poisson(q, sigma, steps), 1e-5), PLD.epsilon(poisson(q2, sigma, steps), 1e-5));
    }

    @Property(tries = 8)
    boolean epsilonFallsWithNoise(@ForAll @Scale(4) @DoubleRange(min = 0.002, max = 0.2) double q,
                                  @ForAll @Scale(4) @DoubleRange(min = 0.6, max = 3.0) double sigma,
                                  @ForAll @Scale(4) @DoubleRange(min = 1.0, max = 2.0) double factor,
                                  @ForAll @IntRange(min = 1, max = 1000) int steps) {
        return atMost(PLD.epsilon(poisson(q, sigma * factor, steps), 1e-5), PLD.epsilon(poisson(q, sigma, steps), 1e-5));
    }

    @Property(tries = 8)
    boolean epsilonFallsWithDelta(@ForAll @Scale(4) @DoubleRange(min = 0.002, max = 0.2) double q,
                                  @ForAll @Scale(4) @DoubleRange(min = 0.7, max = 3.0) double sigma,
                                  @ForAll @IntRange(min = 1, max = 1000) int steps,
                                  @ForAll @Scale(4) @DoubleRange(min = -9, max = -3) double log10Delta,
                                  @ForAll @Scale(4) @DoubleRange(min = 0.1, max = 2) double log10Factor) {
        DpEvent e = poisson(q, sigma, steps);
        double delta = Math.pow(10, log10Delta);
        return atMost(PLD.epsilon(e, delta * Math.pow(10, log10Factor)), PLD.epsilon(e, delta));
    }

    @Property(tries = 10)
    boolean neverAboveRdpBeyondTheStatedError(@ForAll @Scale(4) @DoubleRange(min = 0.001, max = 0.3) double q,
                                              @ForAll @Scale(4) @DoubleRange(min = 0.5, max = 4.0) double sigma,
                                              @ForAll @IntRange(min = 1, max = 3000) int steps,
                                              @ForAll @Scale(4) @DoubleRange(min = -10, max = -2) double log10Delta) {
        DpEvent e = poisson(q, sigma, steps);
        double delta = Math.pow(10, log10Delta);
        EpsilonResult r = PLD.epsilon(e, delta);
        return r.epsilon() <= RDP.epsilon(e, delta).epsilon() + r.errorBound();
    }

    @Property(tries = 6)
    boolean compositionIsOrderFree(@ForAll @Scale(4) @DoubleRange(min = 0.002, max = 0.2) double qa,
                                   @ForAll @Scale(4) @DoubleRange(min = 0.002, max = 0.2) double qb,
                                   @ForAll @Scale(4) @DoubleRange(min = 0.7, max = 3.0) double sigma,
                                   @ForAll @IntRange(min = 1, max = 500) int na,
                                   @ForAll @IntRange(min = 1, max = 500) int nb) {
        DpEvent a = poisson(qa, sigma, na);
        DpEvent b = poisson(qb, sigma * 1.3, nb);
        double ab = PLD.epsilon(ComposedEvent.of(a, b), 1e-5).epsilon();
        double ba = PLD.epsilon(ComposedEvent.of(b, a), 1e-5).epsilon();
        return Math.abs(ab - ba) <= 1e-9 * ab;
    }

    @Property(tries = 8)
    boolean deltaOfEpsilonIsAtMostDelta(@ForAll @Scale(4) @DoubleRange(min = 0.002, max = 0.2) double q,
                                        @ForAll @Scale(4) @DoubleRange(min = 0.7, max = 3.0) double sigma,
                                        @ForAll @IntRange(min = 1, max = 1000) int steps,
                                        @ForAll @Scale(4) @DoubleRange(min = -9, max = -2) double log10Delta) {
        DpEvent e = poisson(q, sigma, steps);
        double delta = Math.pow(10, log10Delta);
        double eps = PLD.epsilon(e, delta).epsilon();
        return PLD.delta(e, eps) <= delta;
    }

    /** Down to δ = 1e-9; below the distribution's masses in doubt (≈1e-11 here) ε is +∞ by design. */
    @Property(tries = 30)
    boolean distributionInvertsExactly(@ForAll @Scale(4) @DoubleRange(min = -9, max = -1) double log10Delta) {
        PrivacyLossDistribution pld = DISTRIBUTION;
        double delta = Math.pow(10, log10Delta);
        double eps = pld.epsilon(delta).epsilon();
        return pld.delta(eps) <= delta && (eps == 0 || pld.delta(eps * (1 - 1e-6)) > delta);
    }

    @Property(tries = 5)
    boolean deltaBelowTheMassesInDoubtGivesInfiniteEpsilon(@ForAll @Scale(4) @DoubleRange(min = -16, max = -13) double log10Delta) {
        EpsilonResult r = DISTRIBUTION.epsilon(Math.pow(10, log10Delta));
        return r.epsilon() == Double.POSITIVE_INFINITY && r.errorBound() == Double.POSITIVE_INFINITY;
    }

    private static final PrivacyLossDistribution DISTRIBUTION = PLD.distribution(poisson(0.02, 1.0, 500), 1e-6);
}
