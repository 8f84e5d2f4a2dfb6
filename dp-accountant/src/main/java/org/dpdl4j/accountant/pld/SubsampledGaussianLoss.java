package org.dpdl4j.accountant.pld;

import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.math.LogMath;

/**
 * The privacy loss of one Poisson-subsampled Gaussian step in closed form. With sensitivity 1, noise
 * multiplier σ and rate q the two output distributions are the mixture P = (1−q)N(0,σ²) + qN(1,σ²) and
 * Q = N(0,σ²). Everything is stated in terms of the "remove" loss
 * <pre>  L(z) = log(P(z)/Q(z)) = log(1 − q + q·exp((2z − 1)/(2σ²))),</pre>
 * which is strictly increasing in z and bounded below by log(1 − q). The "add" direction has loss −L(z)
 * (see {@link LossDirection}), so one inversion z(l) serves both. q = 1 is the plain Gaussian mechanism,
 * L(z) = (2z − 1)/(2σ²).
 *
 * <p>Privacy assumption: add/remove-one neighbours, a query of L2 sensitivity exactly 1 (the worst case
 * for the Gaussian mechanism, and the analysis is invariant under rotations so one dimension suffices),
 * independent inclusion with rate q. For q = 1 the pair is also the worst case under replace-one with
 * sensitivity 1.
 */
final class SubsampledGaussianLoss {

    private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

    private final double q;
    private final double sigma;
    private final double sigmaSq;
    private final double logQ;
    /** log(1 − q); −∞ for q = 1, where the loss is unbounded below. */
    private final double log1mQ;

    SubsampledGaussianLoss(double q, double sigma) {
        this.q = PrivacyParameters.checkSamplingRate(q);
        this.sigma = PrivacyParameters.checkNoiseMultiplier(sigma);
        this.sigmaSq = sigma * sigma;
        this.logQ = Math.log(q);
        this.log1mQ = q == 1.0 ? Double.NEGATIVE_INFINITY : Math.log1p(-q);
    }

    double samplingRate() {
        return q;
    }

    double sigma() {
        return sigma;
    }

    /** True when both directions have the same loss distribution (q = 1). */
    boolean isSymmetric() {
        return q == 1.0;
    }

    /** log(1 − q), the infimum of the remove loss; −∞ for q = 1. */
    double lossInfimum() {
        return log1mQ;
    }

    /** The remove loss L(z), accurate in absolute terms for every z (no overflow for large z). */
    double loss(double z) {
        return LogMath.logAdd(log1mQ, logQ + (z - 0.5) / sigmaSq);
    }

    /**
     * The z with L(z) = l: z = 1/2 + σ² log((e^l − (1 − q))/q); −∞ when l ≤ log(1 − q), since then every z
     * has a larger loss.
     */
    double zOfLoss(double l) {
        if (l <= log1mQ) {
            return Double.NEGATIVE_INFINITY;
        }
        return 0.5 + sigmaSq * (LogMath.logSub(l, log1mQ) - logQ);
    }

    /** log of the N(0,σ²) density at z. */
    double logNoiseDensity(double z) {
        double x = z / sigma;
        return -0.5 * x * x - LOG_SQRT_2PI - Math.log(sigma);
    }

    /** log Q(Z &gt; z) under the noise distribution N(0,σ²). */
    double logNoiseSf(double z) {
        return LogMath.logNormalSf(z / sigma);
    }

    /** log Q(Z &lt; z) under N(0,σ²). */
    double logNoiseCdf(double z) {
        return LogMath.logNormalCdf(z / sigma);
    }

    /** log P(Z &gt; z) under the mixture. */
    double logMixtureSf(double z) {
        return LogMath.logAdd(log1mQ + LogMath.logNormalSf(z / sigma), logQ + LogMath.logNormalSf((z - 1) / sigma));
    }

    /** log P(Z &lt; z) under the mixture. */
    double logMixtureCdf(double z) {
        return LogMath.logAdd(log1mQ + LogMath.logNormalCdf(z / sigma), logQ + LogMath.logNormalCdf((z - 1) / sigma));
    }

    /** log of the N(0,σ²) mass of [za, zb]. */
    double logNoiseMass(double za, double zb) {
        return logStandardNormalMass(za / sigma, zb / sigma);
    }

    /** log of the mixture mass of [za, zb]. */
    double logMixtureMass(double za, double zb) {
        return LogMath.logAdd(log1mQ + logStandardNormalMass(za / sigma, zb / sigma),
                logQ + logStandardNormalMass((za - 1) / sigma, (zb - 1) / sigma));
    }

    /**
     * log(Φ(b) − Φ(a)), using survival functions above 0 and distribution functions below 0 so that a
     * narrow interval in either tail keeps its relative precision.
     */
    static double logStandardNormalMass(double a, double b) {
        if (!(b > a)) {
            return Double.NEGATIVE_INFINITY;
        }
        if (a >= 0) {
            return logDifference(LogMath.logNormalSf(a), LogMath.logNormalSf(b));
        }
        if (b <= 0) {
            return logDifference(LogMath.logNormalCdf(b), LogMath.logNormalCdf(a));
        }
        return Math.log1p(-(LogMath.normalCdf(a) + LogMath.normalSf(b)));
    }

    /** log(e^x − e^y), −∞ when rounding makes the difference non-positive. */
    private static double logDifference(double x, double y) {
        return y >= x ? Double.NEGATIVE_INFINITY : LogMath.logSub(x, y);
    }

    @Override
    public String toString() {
        return "SubsampledGaussianLoss[q=" + q + ", sigma=" + sigma + "]";
    }
}
