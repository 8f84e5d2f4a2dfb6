package org.dpdl4j.accountant.rdp;

import static org.dpdl4j.accountant.math.LogMath.logAdd;

/**
 * Per-step Rényi DP upper bound for the Gaussian mechanism on a subset sampled uniformly without
 * replacement (Wang, Balle &amp; Kasiviswanathan 2019, Thm. 9 with ε(∞) = ∞; Cor. 10 for fractional α).
 *
 * <p>Privacy assumption: replace-one neighbouring, a subset of exactly b of n records, and a Gaussian
 * mechanism whose noise multiplier σ is relative to its replace-one sensitivity (base RDP α/(2σ²)).
 */
public final class WithoutReplacementGaussianRdp {

    private static final double LOG2 = Math.log(2.0);

    private WithoutReplacementGaussianRdp() {
    }

    /**
     * RDP ε(α) of one step.
     *
     * @param gamma sampling fraction b/n in (0, 1]
     * @param sigma noise multiplier &gt; 0 (relative to replace-one sensitivity)
     * @param alpha order &gt; 1 (may be +∞)
     */
    public static double rdp(double gamma, double sigma, double alpha) {
        RdpOrders.checkOrder(alpha);
        if (gamma == 1.0) {
            return alpha / (2 * sigma * sigma);
        }
        if (Double.isInfinite(alpha)) {
            return Double.POSITIVE_INFINITY;
        }
        if (PoissonSubsampledGaussianRdp.isInteger(alpha)) {
            return logAInteger(gamma, sigma, (long) alpha) / (alpha - 1);
        }
        // (α−1)ε(α) is convex in α, so linear interpolation of it between neighbouring integers bounds it.
        long lo = (long) Math.floor(alpha);
        long hi = lo + 1;
        double t = alpha - lo;
        double x = lo == 1 ? 0.0 : logAInteger(gamma, sigma, lo);
        double y = logAInteger(gamma, sigma, hi);
        return ((1 - t) * x + t * y) / (alpha - 1);
    }

    /** (α−1)·ε(α) for integer α ≥ 2 from WBK19 Thm. 9. */
    static double logAInteger(double gamma, double sigma, long alpha) {
        double twoSigmaSq = 2 * sigma * sigma;
        double logGamma = Math.log(gamma);
        double eps2 = 2.0 / twoSigmaSq;
        // log(e^{ε(2)} − 1)
        double logExpm1Eps2 = eps2 > 30 ? eps2 + Math.log1p(-Math.exp(-eps2)) : Math.log(Math.expm1(eps2));
        double logBinom = Math.log(alpha); // log C(alpha, 1)
        double logA = 0.0;
        for (long i = 2; i <= alpha; i++) {
            logBinom += Math.log((double) (alpha - i + 1)) - Math.log((double) i);
            double term;
            if (i == 2) {
                term = 2 * logGamma + logBinom + Math.min(Math.log(4) + logExpm1Eps2, eps2 + LOG2);
            } else {
                // (i−1)·ε(i) with ε(i) = i/(2σ²)
                term = LOG2 + (double) (i - 1) * i / twoSigmaSq + i * logGamma + logBinom;
            }
            logA = logAdd(logA, term);
        }
        return logA;
    }
}
