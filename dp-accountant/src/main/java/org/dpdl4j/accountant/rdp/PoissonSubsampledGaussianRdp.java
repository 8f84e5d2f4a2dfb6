package org.dpdl4j.accountant.rdp;

import static org.dpdl4j.accountant.math.LogMath.logAdd;
import static org.dpdl4j.accountant.math.LogMath.logErfc;
import static org.dpdl4j.accountant.math.LogMath.logSub;

/**
 * Per-step Rényi DP of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar &amp; Zhang 2019).
 *
 * <p>Privacy assumption: add/remove-one neighbouring, records included independently with rate q, a
 * sum of sensitivity 1 with N(0, σ²) noise. The value is the Rényi divergence of order α between
 * (1−q)N(0,σ²) + qN(1,σ²) and N(0,σ²), which dominates the reverse direction (MTZ19, Thm. 5).
 */
public final class PoissonSubsampledGaussianRdp {

    /** Series terms are dropped once they are this small relative to the accumulated log A_α. */
    static final double RELATIVE_TOLERANCE = 1e-13;
    private static final int MAX_TERMS = 2_000_000;
    private static final double SQRT2 = Math.sqrt(2.0);
    private static final double LOG_HALF = Math.log(0.5);

    private PoissonSubsampledGaussianRdp() {
    }

    /**
     * RDP ε(α) of one step.
     *
     * @param q sampling rate in (0, 1]
     * @param sigma noise multiplier &gt; 0
     * @param alpha order &gt; 1 (may be +∞)
     */
    public static double rdp(double q, double sigma, double alpha) {
        RdpOrders.checkOrder(alpha);
        if (q == 1.0) {
            return alpha / (2 * sigma * sigma);
        }
        if (Double.isInfinite(alpha)) {
            return Double.POSITIVE_INFINITY;
        }
        double logA = isInteger(alpha) ? logAInteger(q, sigma, (long) alpha) : logAFractional(q, sigma, alpha);
        return Math.max(0.0, logA) / (alpha - 1);
    }

    static boolean isInteger(double alpha) {
        return alpha == Math.rint(alpha) && alpha < 1e15;
    }

    /**
     * log A_α for integer α by the binomial expansion. Written as log(1 + Σ_{i≥2} C(α,i) q^i (1−q)^{α−i}
     * (e^{(i²−i)/2σ²} − 1)) so that every term is positive and small RDP values keep full relative precision
     * (the i = 0, 1 terms of the plain expansion carry no divergence and sum with the rest to 1).
     */
    static double logAInteger(double q, double sigma, long alpha) {
        double logQ = Math.log(q);
        double log1mQ = Math.log1p(-q);
        double twoSigmaSq = 2 * sigma * sigma;
        double logExcess = Double.NEGATIVE_INFINITY;
        double logBinom = Math.log(alpha); // log C(alpha, 1)
        for (long i = 2; i <= alpha; i++) {
            logBinom += Math.log((double) (alpha - i + 1)) - Math.log((double) i);
            double exponent = (double) (i * i - i) / twoSigmaSq;
            double logExpm1 = exponent > 30 ? exponent + Math.log1p(-Math.exp(-exponent)) : Math.log(Math.expm1(exponent));
            double term = logBinom + i * logQ + (alpha - i) * log1mQ + logExpm1;
            logExcess = logAdd(logExcess, term);
        }
        return logAdd(0.0, logExcess);
    }

    /**
     * log A_α for fractional α by the two series of MTZ19 (Sec. 3.3). Beyond i &gt; α the binomial
     * coefficients alternate in sign, so the series are summed with signs (never in absolute value) and
     * truncated when the next terms are below {@link #RELATIVE_TOLERANCE} of the current log A_α; for an
     * alternating tail the truncation error is at most the first dropped term.
     */
    static double logAFractional(double q, double sigma, double alpha) {
        double logQ = Math.log(q);
        double log1mQ = Math.log1p(-q);
        double sigmaSq = sigma * sigma;
        double z0 = sigmaSq * (Math.log1p(-q) - logQ) + 0.5;
        double logA0 = Double.NEGATIVE_INFINITY;
        double logA1 = Double.NEGATIVE_INFINITY;
        double logAbsBinom = 0.0;
        boolean positive = true;
        for (int i = 0; i < MAX_TERMS; i++) {
            if (i > 0) {
                double factor = (alpha - i + 1) / i;
                logAbsBinom += Math.log(Math.abs(factor));
                if (factor < 0) {
                    positive = !positive;
                }
            }
            double j = alpha - i;
            double logT0 = logAbsBinom + i * logQ + j * log1mQ;
            double logT1 = logAbsBinom + j * logQ + i * log1mQ;
            double logE0 = LOG_HALF + logErfc((i - z0) / (SQRT2 * sigma));
            double logE1 = LOG_HALF + logErfc((z0 - j) / (SQRT2 * sigma));
            double logS0 = logT0 + (i * (double) i - i) / (2 * sigmaSq) + logE0;
            double logS1 = logT1 + (j * j - j) / (2 * sigmaSq) + logE1;
            try {
                if (positive) {
                    logA0 = logAdd(logA0, logS0);
                    logA1 = logAdd(logA1, logS1);
                } else {
                    logA0 = logSub(logA0, logS0);
                    logA1 = logSub(logA1, logS1);
                }
            } catch (ArithmeticException e) {
                throw new ArithmeticException("RDP series for q=" + q + ", sigma=" + sigma + ", alpha=" + alpha
                        + " lost precision; use integer orders for this setting");
            }
            if (i > alpha + 1) {
                double logA = logAdd(logA0, logA1);
                double scale = Math.max(Math.abs(logA), 1e-300);
                if (logAdd(logS0, logS1) - logA < Math.log(RELATIVE_TOLERANCE * scale)) {
                    return logA;
                }
            }
        }
        throw new ArithmeticException("RDP series did not converge for q=" + q + ", sigma=" + sigma + ", alpha=" + alpha);
    }
}
