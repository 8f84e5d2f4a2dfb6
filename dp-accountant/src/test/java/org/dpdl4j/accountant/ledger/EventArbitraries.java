package org.dpdl4j.accountant.ledger;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;

/** Generators of valid events, with doubles drawn from their full bit range rather than jqwik's 2-decimal default. */
final class EventArbitraries {

    private EventArbitraries() {
    }

    /** Any finite double &gt; 0, from every binade, plus typical and extreme values. */
    static Arbitrary<Double> positiveFinite() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().between(1L, Double.doubleToLongBits(Double.MAX_VALUE))
                        .map(Double::longBitsToDouble)),
                Tuple.of(3, Arbitraries.randomValue(r -> 0.3 + 5 * r.nextDouble())),
                Tuple.of(1, Arbitraries.of(Double.MIN_VALUE, Double.MAX_VALUE, 0.1, 1.1, 1.0 / 3)));
    }

    /** Any double in (0, 1]. */
    static Arbitrary<Double> rates() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.longs().between(1L, Double.doubleToLongBits(1.0))
                        .map(Double::longBitsToDouble)),
                Tuple.of(3, Arbitraries.randomValue(r -> 1.0 - r.nextDouble())),
                Tuple.of(1, Arbitraries.of(1.0, Double.MIN_VALUE, 0.004, Math.nextDown(1.0))));
    }

    static Arbitrary<GaussianEvent> gaussians() {
        return Combinators.combine(positiveFinite(), Arbitraries.of(NeighbouringRelation.class))
                .as(GaussianEvent::new);
    }

    /** Arbitrary event trees up to depth 3, valid for the event constructors. */
    static Arbitrary<DpEvent> events() {
        return Arbitraries.recursive(() -> gaussians().map(g -> (DpEvent) g), EventArbitraries::wrap, 0, 3);
    }

    private static Arbitrary<DpEvent> wrap(Arbitrary<DpEvent> inner) {
        Arbitrary<DpEvent> poisson = Combinators.combine(rates(), inner)
                .as((q, e) -> new PoissonSampledEvent(q, restate(e, NeighbouringRelation.ADD_OR_REMOVE_ONE)));
        Arbitrary<DpEvent> withoutReplacement = Arbitraries.longs().between(1L, Long.MAX_VALUE)
                .flatMap(n -> Combinators.combine(Arbitraries.longs().between(1L, n), inner)
                        .as((b, e) -> new SampledWithoutReplacementEvent(b, n,
                                restate(e, NeighbouringRelation.REPLACE_ONE))));
        Arbitrary<DpEvent> selfComposed = Combinators.combine(Arbitraries.longs().between(0L, Long.MAX_VALUE), inner)
                .as((c, e) -> new SelfComposedEvent(e, c));
        Arbitrary<DpEvent> composed = inner.list().ofMaxSize(3).map(ComposedEvent::new);
        return Arbitraries.oneOf(poisson, withoutReplacement, selfComposed, composed);
    }

    /** Sampled events require a directly nested Gaussian to carry the sampler's relation. */
    private static DpEvent restate(DpEvent e, NeighbouringRelation relation) {
        return e instanceof GaussianEvent g ? new GaussianEvent(g.noiseMultiplier(), relation) : e;
    }
}
