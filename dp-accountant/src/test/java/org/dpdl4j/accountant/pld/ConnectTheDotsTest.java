package org.dpdl4j.accountant.pld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.dpdl4j.accountant.gaussian.GaussianAccountant;
import org.junit.jupiter.api.Test;

class ConnectTheDotsTest {

    private static final double LOG_TRUNCATION = Math.log(1e-16);

    /** Kahan sum, so that the check is not limited by the summation of 10⁵ terms. */
    private static double sum(double[] v) {
        double s = 0;
        double c = 0;
        for (double x : v) {
            double y = x - c;
            double t = s + y;
            c = (t - s) - y;
            s = t;
        }
        return s;
    }

    /** Σ p·e^{−l}, the Q-mass of the finite points. */
    private static double qMass(DiscretePld p) {
        double[] terms = new double[p.size()];
        for (int i = 0; i < p.size(); i++) {
            terms[i] = p.pmf(i) * Math.exp(-(p.offset() + i) * p.gridStep());
        }
        return sum(terms);
    }

    /** δ(ε) of one discrete step, directly from the definition. */
    private static double discreteDelta(DiscretePld p, double eps) {
        double s = p.infinityMass();
        for (int i = 0; i < p.size(); i++) {
            double l = (p.offset() + i) * p.gridStep();
            if (l > eps) {
                s += p.pmf(i) * -Math.expm1(eps - l);
            }
        }
        return s;
    }

    /** True δ(ε) of one step in a direction, in closed form through the threshold z*(ε). */
    private static double trueDelta(SubsampledGaussianLoss loss, LossDirection dir, double eps) {
        if (dir == LossDirection.REMOVE) {
            double z = loss.zOfLoss(eps);
            return Math.exp(loss.logMixtureSf(z)) - Math.exp(eps + loss.logNoiseSf(z));
        }
        // Add: loss −L(z) > ε ⇔ L(z) < −ε ⇔ z < z(−ε); P = noise, Q = mixture.
        double z = loss.zOfLoss(-eps);
        if (z == Double.NEGATIVE_INFINITY) {
            return 0.0;
        }
        return Math.exp(loss.logNoiseCdf(z)) - Math.exp(eps + loss.logMixtureCdf(z));
    }

    @Test
    void keepsPMassAndQMassOfEachDirection() {
        for (double[] c : new double[][] {{256.0 / 60000, 1.1, 3e-5}, {0.01, 1.0, 1e-4}, {0.3, 0.7, 1e-3}, {1.0, 2.0, 1e-3}}) {
            SubsampledGaussianLoss loss = new SubsampledGaussianLoss(c[0], c[1]);
            Map<LossDirection, DiscretePld> d = ConnectTheDots.discretize(loss, c[2], LOG_TRUNCATION, 1 << 22);
            for (DiscretePld p : d.values()) {
                assertEquals(1.0, sum(p.pmfArray()) + p.infinityMass(), 1e-13, "P-mass for " + loss);
                double q = qMass(p);
                assertTrue(q <= 1 + 1e-12 && q >= 1 - 1e-12, "Q-mass " + q + " for " + loss);
                assertTrue(p.truncatedMass() <= 4e-16 && p.infinityMass() <= p.truncatedMass());
                for (double v : p.pmfArray()) {
                    assertTrue(v >= 0);
                }
            }
        }
    }

    @Test
    void gaussianStepIsOneSymmetricDistribution() {
        Map<LossDirection, DiscretePld> d =
                ConnectTheDots.discretize(new SubsampledGaussianLoss(1.0, 2.0), 1e-3, LOG_TRUNCATION, 1 << 22);
        assertSame(d.get(LossDirection.REMOVE), d.get(LossDirection.ADD));
        double[] mv = d.get(LossDirection.REMOVE).meanAndVariance();
        // L ~ N(μ²/2, μ²) with μ = 1/2; rounding adds at most b(Δ) to the mean and Δ²/4 to the variance.
        assertEquals(0.125, mv[0], 1e-6);
        assertEquals(0.25, mv[1], 1e-6);
    }

    @Test
    void deltaCurveIsExactOnGridPointsAndPessimisticBetween() {
        for (double[] c : new double[][] {{256.0 / 60000, 1.1, 1e-3}, {0.1, 0.8, 2e-3}, {1.0, 1.5, 5e-3}}) {
            SubsampledGaussianLoss loss = new SubsampledGaussianLoss(c[0], c[1]);
            double grid = c[2];
            Map<LossDirection, DiscretePld> d = ConnectTheDots.discretize(loss, grid, LOG_TRUNCATION, 1 << 22);
            for (LossDirection dir : LossDirection.values()) {
                DiscretePld p = d.get(dir);
                for (int k = 0; k <= 400; k += 7) {
                    double onGrid = k * grid;
                    double exact = trueDelta(loss, dir, onGrid);
                    if (exact < 1e-14) {
                        continue;
                    }
                    double disc = discreteDelta(p, onGrid);
                    assertEquals(exact, disc, 1e-9 * exact + 1e-15, dir + " at grid point " + onGrid + " for " + loss);
                    double between = onGrid + 0.37 * grid;
                    double exactBetween = trueDelta(loss, dir, between);
                    assertTrue(discreteDelta(p, between) >= exactBetween * (1 - 1e-10),
                            dir + " pessimistic at " + between + " for " + loss);
                }
            }
        }
    }

    @Test
    void gaussianCurveMatchesAnalyticGaussianMechanism() {
        double sigma = 1.3;
        double grid = 2e-3;
        DiscretePld p = ConnectTheDots.discretize(new SubsampledGaussianLoss(1.0, sigma), grid, LOG_TRUNCATION, 1 << 22)
                .get(LossDirection.REMOVE);
        for (int k = 0; k < 1500; k += 50) {
            double eps = k * grid;
            double exact = GaussianAccountant.delta(1 / sigma, eps);
            assertEquals(exact, discreteDelta(p, eps), 1e-9 * exact + 1e-15);
        }
    }

    @Test
    void tailSolverReturnsAFeasiblePoint() {
        double x = ConnectTheDots.solveDecreasing(t -> -t, -5.0, 0.0);
        assertTrue(-x <= -5.0);
        assertEquals(5.0, x, 1e-9);
        double y = ConnectTheDots.solveDecreasing(t -> -t, 3.0, 0.0);
        assertTrue(-y <= 3.0);
        assertEquals(-3.0, y, 1e-9);
    }
}
