package org.dpdl4j.accountant.pld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.dpdl4j.accountant.AccountantType;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.UnsupportedEventException;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.junit.jupiter.api.Test;

class PldAccountantTest {

    private static final PldAccountant PLD = PldAccountant.withDefaults();
    private static final RdpAccountant RDP = RdpAccountant.withDefaultOrders();

    private static DpEvent poisson(double q, double sigma, long steps) {
        return new SelfComposedEvent(PoissonSampledEvent.gaussian(q, sigma), steps);
    }

    private static void report(String label, EpsilonResult r, double reference) {
        System.out.printf("[pld] %s: epsilon=%.5f errorBound=%.5f (%.2f%%) reference=%.5f%n", label, r.epsilon(),
                r.errorBound(), 100 * r.errorBound() / r.epsilon(), reference);
    }

    @Test
    void createdByAccountantType() {
        assertInstanceOf(PldAccountant.class, AccountantType.PLD.create());
        assertEquals("pld", AccountantType.PLD.create().name());
    }

    @Test
    void fullBatchGaussianMatchesTheExactAccountant() {
        DpEvent event = new SelfComposedEvent(GaussianEvent.of(10), 100);
        EpsilonResult r = PLD.epsilon(event, 1e-5);
        double exact = GaussianAccountant.epsilon(1.0, 1e-5);
        report("gaussian sigma=10 T=100", r, exact);
        assertEquals(4.377, exact, 1e-3);
        assertEquals(exact, r.epsilon(), 0.01 * exact);
        assertTrue(r.epsilon() >= exact, "upper end");
        assertTrue(r.epsilon() - r.errorBound() <= exact, "lower end");
        assertTrue(r.errorBound() > 0 && r.errorBound() <= 0.01 * r.epsilon());
        assertEquals("pld", r.accountant());
        assertTrue(Double.isNaN(r.order()));
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("connect-the-dots")));
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith("error bound")));
    }

    @Test
    void gaussianUnderReplaceOneAndPoissonWithRateOneAreTheGaussian() {
        double mu = Math.sqrt(10) / 2;
        double exact = GaussianAccountant.epsilon(mu, 1e-6);
        EpsilonResult replace = PLD.epsilon(
                new SelfComposedEvent(new GaussianEvent(2.0, NeighbouringRelation.REPLACE_ONE), 10), 1e-6);
        EpsilonResult poisson = PLD.epsilon(poisson(1.0, 2.0, 10), 1e-6);
        for (EpsilonResult r : List.of(replace, poisson)) {
            assertTrue(r.epsilon() >= exact && r.epsilon() - r.errorBound() <= exact, r.toString());
        }
    }

    @Test
    void mnistSettingMatchesPublishedPldValue() {
        DpEvent event = poisson(256.0 / 60000, 1.1, 14062);
        EpsilonResult r = PLD.epsilon(event, 1e-5);
        double rdp = RDP.epsilon(event, 1e-5).epsilon();
        report("q=256/60000 sigma=1.1 T=14062", r, 2.3817);
        assertEquals(2.5966, rdp, 1e-3);
        assertTrue(r.epsilon() <= rdp);
        assertEquals(2.3817, r.epsilon(), 0.01 * 2.3817);
        assertTrue(r.errorBound() <= 0.01 * r.epsilon(), "error bound " + r.errorBound());
    }

    @Test
    void subsampledBelowRdp() {
        DpEvent event = poisson(0.01, 1.0, 1000);
        EpsilonResult r = PLD.epsilon(event, 1e-5);
        double rdp = RDP.epsilon(event, 1e-5).epsilon();
        report("q=0.01 sigma=1 T=1000", r, rdp);
        assertEquals(2.101, rdp, 1e-3);
        assertTrue(r.epsilon() <= rdp + r.errorBound());
        assertTrue(r.errorBound() <= 0.01 * r.epsilon());
    }

    @Test
    void heterogeneousGaussiansMatchTheExactComposition() {
        DpEvent event = ComposedEvent.of(new SelfComposedEvent(GaussianEvent.of(5), 30),
                new SelfComposedEvent(GaussianEvent.of(8), 50));
        double exact = GaussianAccountant.epsilon(Math.sqrt(30 / 25.0 + 50 / 64.0), 1e-5);
        EpsilonResult r = PLD.epsilon(event, 1e-5);
        assertTrue(r.epsilon() >= exact && r.epsilon() - r.errorBound() <= exact, r + " vs " + exact);
    }

    @Test
    void heterogeneousPoissonCompositionIsOrderFreeAndMatchesCounts() {
        DpEvent a = PoissonSampledEvent.gaussian(0.01, 1.0);
        DpEvent b = PoissonSampledEvent.gaussian(0.02, 1.5);
        EpsilonResult ab = PLD.epsilon(ComposedEvent.of(new SelfComposedEvent(a, 500), new SelfComposedEvent(b, 300)), 1e-5);
        EpsilonResult ba = PLD.epsilon(ComposedEvent.of(new SelfComposedEvent(b, 300), new SelfComposedEvent(a, 500)), 1e-5);
        EpsilonResult split = PLD.epsilon(ComposedEvent.of(new SelfComposedEvent(a, 200), new SelfComposedEvent(b, 300),
                new SelfComposedEvent(a, 300)), 1e-5);
        assertEquals(ab.epsilon(), ba.epsilon(), 1e-9 * ab.epsilon());
        assertEquals(ab.epsilon(), split.epsilon(), 1e-9 * ab.epsilon());
        // Between the homogeneous runs of the same length, and below RDP.
        EpsilonResult onlyA = PLD.epsilon(new SelfComposedEvent(a, 800), 1e-5);
        EpsilonResult onlyB = PLD.epsilon(new SelfComposedEvent(b, 800), 1e-5);
        double lo = Math.min(onlyA.epsilon(), onlyB.epsilon());
        double hi = Math.max(onlyA.epsilon(), onlyB.epsilon());
        assertTrue(ab.epsilon() >= lo - onlyA.errorBound() - onlyB.errorBound() && ab.epsilon() <= hi + ab.errorBound(),
                ab.epsilon() + " not between " + lo + " and " + hi);
        double rdp = RDP.epsilon(ComposedEvent.of(new SelfComposedEvent(a, 500), new SelfComposedEvent(b, 300)), 1e-5)
                .epsilon();
        assertTrue(ab.epsilon() <= rdp + ab.errorBound());
    }

    @Test
    void deltaIsAnUpperBoundAndInvertsEpsilon() {
        DpEvent event = new SelfComposedEvent(GaussianEvent.of(3), 20);
        double mu = Math.sqrt(20) / 3;
        for (double eps : new double[] {0.0, 0.5, 2.0, 5.0}) {
            double exact = GaussianAccountant.delta(mu, eps);
            double d = PLD.delta(event, eps);
            assertTrue(d >= exact && d <= exact * 1.05 + 1e-12, "delta(" + eps + ") = " + d + " vs " + exact);
        }
        DpEvent sub = poisson(0.02, 1.2, 400);
        for (double delta : new double[] {1e-3, 1e-5, 1e-7}) {
            double eps = PLD.epsilon(sub, delta).epsilon();
            assertTrue(PLD.delta(sub, eps) <= delta, "delta(epsilon(" + delta + "))");
        }
        assertEquals(0.0, PLD.delta(event, Double.POSITIVE_INFINITY));
    }

    @Test
    void deltaInvertsEpsilonWhenTheCoarseEstimateIsDecadesTooHigh() {
        // RDP puts δ(ε) near 7e-4 here and the coarse distribution near 1e-5, four decades above the 1e-9 that
        // epsilon() used; delta() must still reach that half-decade (found by deltaOfEpsilonIsAtMostDelta).
        DpEvent event = poisson(0.002, 3.0, 2);
        for (double delta : new double[] {1e-9, 3.1615e-9}) {
            double eps = PLD.epsilon(event, delta).epsilon();
            assertTrue(PLD.delta(event, eps) <= delta, "delta(epsilon(" + delta + ")) = " + PLD.delta(event, eps));
        }
    }

    @Test
    void distributionAnswersBothQueriesConsistently() {
        PrivacyLossDistribution pld = PLD.distribution(poisson(0.05, 0.9, 200), 1e-6);
        assertEquals(2, pld.directionCount());
        assertEquals(200, pld.steps());
        EpsilonResult r = pld.epsilon(1e-6);
        assertTrue(pld.delta(r.epsilon()) <= 1e-6);
        assertTrue(pld.delta(r.epsilon() * 0.999) > 1e-6);
        assertTrue(pld.deltaLowerBound(r.epsilon()) <= pld.delta(r.epsilon()));
    }

    @Test
    void hugeEpsilonStaysFinite() {
        // One Gaussian step with sigma = 0.03: mu = 33.3 and epsilon(1e-5) ≈ 697, where e^epsilon overflows.
        DpEvent event = GaussianEvent.of(0.03);
        double mu = 1 / 0.03;
        EpsilonResult r = PLD.epsilon(event, 1e-5);
        double exact = GaussianAccountant.epsilon(mu, 1e-5);
        assertTrue(Double.isFinite(r.epsilon()) && Double.isFinite(r.errorBound()));
        assertTrue(r.epsilon() >= exact && r.epsilon() - r.errorBound() <= exact, r + " vs " + exact);
        for (double eps : new double[] {300, 500, 700, 800}) {
            double d = PLD.delta(event, eps);
            assertTrue(Double.isFinite(d) && d >= 0 && d <= 1, "delta(" + eps + ") = " + d);
            assertTrue(d >= GaussianAccountant.delta(mu, eps));
        }
        assertEquals(GaussianAccountant.delta(mu, 700), PLD.delta(event, 700), 0.05 * GaussianAccountant.delta(mu, 700));
        DpEvent subsampled = new SelfComposedEvent(PoissonSampledEvent.gaussian(0.5, 0.04), 3);
        EpsilonResult rs = PLD.epsilon(subsampled, 1e-5);
        assertTrue(Double.isFinite(rs.epsilon()) && rs.epsilon() > 300);
        assertTrue(Double.isFinite(PLD.delta(subsampled, 700)));
    }

    @Test
    void belowTheRoundoffFloorTheIntervalWidensButStillContainsTheExactValue() {
        DpEvent event = new SelfComposedEvent(GaussianEvent.of(20), 10_000);
        for (double delta : new double[] {1e-9, 1e-12}) {
            EpsilonResult r = PLD.epsilon(event, delta);
            double exact = GaussianAccountant.epsilon(5.0, delta);
            assertTrue(r.epsilon() >= exact && r.epsilon() - r.errorBound() <= exact, r + " vs " + exact);
        }
        EpsilonResult tiny = PLD.epsilon(event, 1e-12);
        assertTrue(tiny.notes().stream().anyMatch(n -> n.contains("round-off")), tiny.notes().toString());
    }

    @Test
    void fixedGridStepIsUsedAndFinerGridsTightenTheInterval() {
        DpEvent event = poisson(0.01, 1.0, 300);
        PldAccountant coarse = PldAccountant.builder().gridStep(1e-3).build();
        PldAccountant fine = PldAccountant.builder().gridStep(1e-4).build();
        EpsilonResult rc = coarse.epsilon(event, 1e-5);
        EpsilonResult rf = fine.epsilon(event, 1e-5);
        assertEquals(1e-3, coarse.distribution(event, 1e-5).gridStep());
        assertTrue(rf.errorBound() < rc.errorBound());
        // Both intervals contain the true value, so they overlap.
        assertTrue(rf.epsilon() - rf.errorBound() <= rc.epsilon() && rc.epsilon() - rc.errorBound() <= rf.epsilon());
    }

    @Test
    void emptyEventCostsNothing() {
        DpEvent empty = ComposedEvent.of();
        assertEquals(0.0, PLD.epsilon(empty, 1e-5).epsilon());
        assertEquals(0.0, PLD.delta(empty, 0.0));
        assertEquals(0.0, PLD.epsilon(new SelfComposedEvent(GaussianEvent.of(1), 0), 1e-5).epsilon());
    }

    @Test
    void rejectsBadInput() {
        DpEvent event = poisson(0.01, 1.0, 10);
        for (double bad : new double[] {0, 1, -1e-5, 1.5, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> PLD.epsilon(event, bad), "delta " + bad);
        }
        for (double bad : new double[] {-1, -1e-9, Double.NaN}) {
            assertThrows(IllegalArgumentException.class, () -> PLD.delta(event, bad), "epsilon " + bad);
        }
        DpEvent wor = new SampledWithoutReplacementEvent(100, 10000, new GaussianEvent(0.5, NeighbouringRelation.REPLACE_ONE));
        UnsupportedEventException e = assertThrows(UnsupportedEventException.class, () -> PLD.epsilon(wor, 1e-5));
        assertTrue(e.getMessage().contains("rdp"), e.getMessage());
        assertThrows(UnsupportedEventException.class, () -> PLD.checkSupported(wor));
        assertThrows(UnsupportedEventException.class, () -> PLD.delta(wor, 1.0));
        DpEvent nested = new PoissonSampledEvent(0.1, PoissonSampledEvent.gaussian(0.5, 1.0));
        assertThrows(UnsupportedEventException.class, () -> PLD.checkSupported(nested));
        PLD.checkSupported(ComposedEvent.of(event, GaussianEvent.of(2)));
        DpEvent mixed = ComposedEvent.of(event, new GaussianEvent(1, NeighbouringRelation.REPLACE_ONE));
        assertThrows(IllegalArgumentException.class, () -> PLD.epsilon(mixed, 1e-5));
    }

    @Test
    void builderValidatesSettings() {
        assertThrows(IllegalArgumentException.class, () -> PldAccountant.builder().targetRelativeError(0));
        assertThrows(IllegalArgumentException.class, () -> PldAccountant.builder().targetRelativeError(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> PldAccountant.builder().gridStep(-1));
        assertThrows(IllegalArgumentException.class, () -> PldAccountant.builder().gridStep(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> PldAccountant.builder().tailMassFraction(0.5));
        assertThrows(IllegalArgumentException.class, () -> PldAccountant.builder().maxGridSize(3000));
        PldAccountant a = PldAccountant.builder().targetRelativeError(0.01).tailMassFraction(1e-6).maxGridSize(1 << 16)
                .gridStep(1e-3).automaticGridStep().build();
        assertEquals(0.01, a.targetRelativeError());
        assertEquals(1e-6, a.tailMassFraction());
        assertEquals(1 << 16, a.maxGridSize());
        assertTrue(Double.isNaN(a.fixedGridStep()));
    }

    @Test
    void smallGridLimitCoarsensAndSaysSo() {
        PldAccountant small = PldAccountant.builder().maxGridSize(1 << 12).build();
        DpEvent event = poisson(0.01, 1.0, 1000);
        EpsilonResult r = small.epsilon(event, 1e-5);
        EpsilonResult reference = PLD.epsilon(event, 1e-5);
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("coarsened")), r.notes().toString());
        assertTrue(r.epsilon() >= reference.epsilon() - reference.errorBound());
        assertTrue(r.epsilon() - r.errorBound() <= reference.epsilon());
    }
}
