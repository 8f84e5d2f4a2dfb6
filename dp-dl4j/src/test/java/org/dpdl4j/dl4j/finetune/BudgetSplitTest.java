package org.dpdl4j.dl4j.finetune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SelfComposedEvent;
import org.dpdl4j.accountant.pld.PldAccountant;
import org.dpdl4j.accountant.rdp.RdpAccountant;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Acceptance: a budget split never exceeds the total budget. Randomised schedules (number of phases,
 * batch sizes, steps, fractions, fixed-σ phases, earlier ledger spend) are planned and the composition
 * of the planned phases is recomputed independently; it must stay within the budget and, for fraction
 * splits, use it (within 1%).
 */
class BudgetSplitTest {

    private static final long N = 20_000;

    private static DpSgdPhase phase(String name, double batch, long steps, double sigma) {
        DpSgdPhase.Builder b = DpSgdPhase.builder().name(name).train(LayerSelection.all()).clipNorm(1.0).steps(steps)
                .updater(new Sgd(0.1));
        if (batch > 0) {
            b.batchSize(batch);
        } else {
            b.fullBatch();
        }
        if (sigma > 0) {
            b.noiseMultiplier(sigma);
        }
        return b.build();
    }

    private static HeadPhase head(String name, long steps) {
        return HeadPhase.builder().name(name).clipNorm(1.0).steps(steps).learningRate(1.0).build();
    }

    @Test
    void randomSplitsNeverExceedTheTotal() {
        Random rng = new Random(20240611);
        PrivacyAccountant pld = PldAccountant.withDefaults();
        for (int trial = 0; trial < 4; trial++) {
            double eps = new double[] {0.5, 1, 3, 8}[rng.nextInt(4)];
            double delta = rng.nextBoolean() ? 1e-5 : 1e-6;
            int k = 1 + rng.nextInt(3);
            Schedule.Builder b = Schedule.builder().name("random-" + trial).budget(eps, delta);
            double[] f = new double[k];
            double sum = 0;
            for (int i = 0; i < k; i++) {
                f[i] = 0.1 + rng.nextDouble();
                sum += f[i];
            }
            f[k - 1] = 1;
            for (int i = 0; i < k - 1; i++) {
                f[i] /= sum;
                f[k - 1] -= f[i];
            }
            for (int i = 0; i < k; i++) {
                int kind = rng.nextInt(3);
                long steps = 10 + rng.nextInt(300);
                b.phase(kind == 0 ? head("h" + i, steps) : phase("p" + i, kind == 1 ? 50 + rng.nextInt(1000) : 0, steps, 0));
            }
            boolean withFixed = rng.nextBoolean();
            if (withFixed) {
                b.phase(phase("fixed", 256, 50, 20.0));
            }
            DpEvent prior = rng.nextBoolean() ? new SelfComposedEvent(PoissonSampledEvent.gaussian(0.01, 5.0), 100) : null;
            Schedule s = b.split(BudgetSplit.fractions(f)).build();
            PrivacyPlan plan = s.plan(N, prior);
            List<DpEvent> parts = new ArrayList<>();
            if (prior != null) {
                parts.add(prior);
            }
            for (int i = 0; i < s.phases().size(); i++) {
                parts.add(s.phases().get(i).event(N, plan.phases().get(i).noiseMultiplier()));
            }
            double total = pld.epsilon(new ComposedEvent(parts), delta).epsilon();
            String what = s + " -> " + plan;
            assertTrue(plan.totalEpsilon() <= eps, what);
            assertTrue(total <= eps * (1 + 1e-9), "independent recomputation " + total + " for " + what);
            assertTrue(total >= 0.99 * eps, "the split should use the budget: " + total + " for " + what);
            // The fractions fix the ratios of the calibrated sigmas' standalone calibrations.
            for (PrivacyPlan.PlannedPhase p : plan.phases()) {
                assertTrue(p.epsilonAlone() <= plan.totalEpsilon() + 1e-12, what);
            }
        }
    }

    @Test
    void perPhaseTargetsThatFitAreMetAloneAndComposeWithinTheTotal() {
        Schedule s = Schedule.builder().phase(head("probe", 100)).phase(phase("ft", 256, 200, 0)).budget(3.0, 1e-5)
                .split(BudgetSplit.perPhaseEpsilons(1.0, 2.0)).build();
        PrivacyPlan plan = s.plan(N, null);
        assertTrue(plan.phase("probe").epsilonAlone() <= 1.0 && plan.phase("probe").epsilonAlone() > 0.999);
        assertTrue(plan.phase("ft").epsilonAlone() <= 2.0 && plan.phase("ft").epsilonAlone() > 1.999);
        assertTrue(plan.totalEpsilon() <= 3.0, plan.toString());
        assertEquals(1.0, plan.scale());
    }

    @Test
    void perPhaseTargetsThatComposeAboveTheTotalAreRefused() {
        Schedule s = Schedule.builder().phase(phase("a", 256, 200, 0)).phase(phase("b", 256, 200, 0)).budget(3.0, 1e-5)
                .split(BudgetSplit.perPhaseEpsilons(2.5, 2.5)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.plan(N, null));
        assertTrue(e.getMessage().contains("> the budget 3.0000"), e.getMessage());
    }

    @Test
    void earlierSpendOrFixedPhasesThatUseTheWholeBudgetAreRefused() {
        Schedule s = Schedule.builder().phase(phase("loud", 1000, 500, 0.5)).phase(phase("calibrated", 256, 10, 0))
                .budget(1.0, 1e-5).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.plan(N, null));
        assertTrue(e.getMessage().contains("nothing is left"), e.getMessage());
        Schedule fixedOnly = Schedule.builder().phase(phase("loud", 1000, 500, 0.5)).budget(1.0, 1e-5).build();
        assertThrows(IllegalArgumentException.class, () -> fixedOnly.plan(N, null));
    }

    @Test
    void tightCompositionSpendsLessNoiseThanRdpWouldNeed() {
        // The plan uses the PLD accountant; the same sigmas under RDP give a larger epsilon.
        Schedule s = Schedule.builder().phase(head("probe", 50)).phase(phase("ft", 256, 300, 0)).budget(3.0, 1e-5).build();
        PrivacyPlan plan = s.plan(N, null);
        double rdp = RdpAccountant.withDefaultOrders().epsilon(plan.composed(), 1e-5).epsilon();
        assertTrue(rdp > plan.totalEpsilon(), "rdp " + rdp + " vs pld " + plan.totalEpsilon());
    }

    @Test
    void splitsAndSchedulesValidateTheirInput() {
        assertThrows(IllegalArgumentException.class, () -> BudgetSplit.fractions(0.5, 0.6));
        assertThrows(IllegalArgumentException.class, () -> BudgetSplit.fractions(0.0, 1.0));
        assertThrows(IllegalArgumentException.class, () -> BudgetSplit.perPhaseEpsilons(-1));
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class, () -> Schedule.builder()
                .phase(phase("a", 10, 10, 0)).budget(1, 1e-5).split(BudgetSplit.fractions(0.5, 0.5)).build());
        assertTrue(count.getMessage().contains("one entry per such phase"), count.getMessage());
        IllegalArgumentException noBudget = assertThrows(IllegalArgumentException.class,
                () -> Schedule.builder().phase(phase("a", 10, 10, 0)).delta(1e-5).build());
        assertTrue(noBudget.getMessage().contains("budget(epsilon, delta)"), noBudget.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Schedule.builder().phase(phase("a", 10, 10, 1))
                .phase(phase("a", 10, 10, 1)).delta(1e-5).build());
        IllegalArgumentException batch = assertThrows(IllegalArgumentException.class,
                () -> phase("a", 30_000, 10, 1).stepEvent(N, 1.0));
        assertTrue(batch.getMessage().contains("exceeds"), batch.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DpSgdPhase.builder().name("x").train(LayerSelection.all())
                .clipNorm(1).batchSize(10).steps(5).updater(new org.nd4j.linalg.learning.config.Adam(1e-3))
                .autoRgn(AutoRgn.fromNoisyGradients(0.9)).build());
        assertThrows(IllegalArgumentException.class, () -> DpSgdPhase.builder().name("a/b"));
    }
}
