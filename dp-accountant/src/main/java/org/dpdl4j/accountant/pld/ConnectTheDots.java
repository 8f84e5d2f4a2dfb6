package org.dpdl4j.accountant.pld;

import java.util.EnumMap;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.dpdl4j.accountant.math.LogMath;

/**
 * Pessimistic "connect-the-dots" discretization (Doroshenko, Ghazi, Kamath, Kumar, Manurangsi 2022) of
 * the privacy loss of one (subsampled) Gaussian step onto the grid {kΔ}.
 *
 * <p>For the loss bin [kΔ, (k+1)Δ] with P-mass P_bin and Q-mass Q_bin the mass is split between the two
 * end points so that both the P-mass and E_P[e^{−L}] (the Q-mass) are kept:
 * <pre>  w_hi = (P_bin − e^{kΔ}Q_bin)/(1 − e^{−Δ}) at (k+1)Δ,   w_lo = P_bin − w_hi at kΔ.</pre>
 * Equivalently, a loss u in the bin is rounded up with probability π(u) = (1 − e^{kΔ−u})/(1 − e^{−Δ}), so
 * w_hi = E_P[π(L); bin]; this is how it is computed here, with no cancellation and no e^{kΔ} that could
 * overflow. The resulting δ-curve is linear in e^ε between grid points and exact on them, hence (δ being
 * convex in e^ε) an upper bound for every ε ∈ ℝ; with the Q-remainder put on an atom at −∞ the discrete
 * pair dominates the true pair, and so does any composition of such pairs.
 *
 * <p>Truncation, both pessimistic: P-mass of losses above the top grid point goes to +∞ (counted in full
 * in δ); P-mass below the bottom grid point is moved up to it. The P-masses involved are computed exactly
 * and recorded for the lower bound.
 *
 * <p>The bin masses come from the inverse map z(l) (the loss is monotone in z). Bins that are narrow
 * compared with the scale on which the densities vary (almost all of them) are integrated with
 * Gauss–Legendre quadrature (3 or 5 nodes, relative error below about 1e-13); wide bins and all tails use
 * differences of normal distribution/survival functions in log space ({@code LogMath}). Quadrature is
 * used because an accurate erfc costs about 0.3 µs and a typical step has 10⁵ bins.
 *
 * <p>Privacy assumption: that of {@link SubsampledGaussianLoss}. Floating-point and quadrature errors
 * (relative ≲ 1e-12 per bin) are not part of the stated bounds.
 */
final class ConnectTheDots {

    private static final double[] GL3_NODES = {-Math.sqrt(0.6), 0.0, Math.sqrt(0.6)};
    private static final double[] GL3_WEIGHTS = {5.0 / 9, 8.0 / 9, 5.0 / 9};
    private static final double[] GL5_NODES;
    private static final double[] GL5_WEIGHTS;
    private static final double SQRT_2PI = Math.sqrt(2 * Math.PI);
    /** h·r below which 3-point quadrature is used (r bounds the log-derivatives of the integrand). */
    private static final double GL3_LIMIT = 0.1;
    /** h·r below which 5-point quadrature is used; wider bins use exact distribution functions. */
    private static final double GL5_LIMIT = 0.6;

    static {
        double a = Math.sqrt(5 - 2 * Math.sqrt(10.0 / 7)) / 3;
        double b = Math.sqrt(5 + 2 * Math.sqrt(10.0 / 7)) / 3;
        double wa = (322 + 13 * Math.sqrt(70)) / 900;
        double wb = (322 - 13 * Math.sqrt(70)) / 900;
        GL5_NODES = new double[] {-b, -a, 0, a, b};
        GL5_WEIGHTS = new double[] {wb, wa, 128.0 / 225, wa, wb};
    }

    private ConnectTheDots() {
    }

    /**
     * Discretizes one step in both directions (one shared object for q = 1, where they coincide).
     *
     * @param loss the step's loss model
     * @param gridStep Δ
     * @param logTruncationMass log of the largest P-mass a tail may lose to truncation, per direction and
     *     side
     * @param maxPoints refuse (with an exception) grids longer than this
     */
    static Map<LossDirection, DiscretePld> discretize(SubsampledGaussianLoss loss, double gridStep,
                                                      double logTruncationMass, int maxPoints) {
        double d = gridStep;
        // Remove direction: z ~ mixture, loss L(z).
        double zTopR = solveDecreasing(loss::logMixtureSf, logTruncationMass, 1.0);
        double zBotR = -solveDecreasing(t -> loss.logMixtureCdf(-t), logTruncationMass, 0.0);
        long kTopR = ceilIndex(loss.loss(zTopR), d);
        long jMinR = floorIndex(loss.loss(zBotR), d);
        boolean symmetric = loss.isSymmetric();
        long jMinA = jMinR;
        long jTopA = kTopR;
        if (!symmetric) {
            // Add direction: z ~ N(0,σ²), loss −L(z); its lower tail is the upper tail of L under the noise.
            double zTopA = solveDecreasing(loss::logNoiseSf, logTruncationMass, 0.0);
            double zBotA = -solveDecreasing(t -> loss.logNoiseCdf(-t), logTruncationMass, 0.0);
            jTopA = ceilIndex(loss.loss(zTopA), d);
            jMinA = floorIndex(loss.loss(zBotA), d);
        }
        long jLo = Math.min(jMinR, jMinA);
        long jHi = Math.max(kTopR, jTopA);
        if (jHi - jLo + 1 > maxPoints) {
            throw new GridTooLargeException(jHi - jLo + 1);
        }
        if (jHi <= jLo) {
            jHi = jLo + 1;
        }
        int bins = (int) (jHi - jLo);
        double[] z = new double[bins + 1];
        for (int e = 0; e <= bins; e++) {
            z[e] = loss.zOfLoss((jLo + e) * d);
        }
        double[] noiseMass = new double[bins];
        double[] mixtureMass = new double[bins];
        double[] upRemove = new double[bins];
        double[] upAdd = new double[bins];
        BinIntegrator integrator = new BinIntegrator(loss, d);
        for (int b = 0; b < bins; b++) {
            integrator.integrate(jLo + b, z[b], z[b + 1]);
            noiseMass[b] = integrator.noise;
            mixtureMass[b] = integrator.mixture;
            upRemove[b] = integrator.upRemove;
            upAdd[b] = integrator.upAdd;
        }

        Map<LossDirection, DiscretePld> out = new EnumMap<>(LossDirection.class);
        // Remove: points jMinR..kTopR.
        {
            int n = (int) (kTopR - jMinR + 1);
            double[] pmf = new double[n];
            for (long j = jMinR; j < kTopR; j++) {
                int b = (int) (j - jLo);
                int i = (int) (j - jMinR);
                pmf[i] += mixtureMass[b] - upRemove[b];
                pmf[i + 1] += upRemove[b];
            }
            double below = Math.exp(loss.logMixtureCdf(z[(int) (jMinR - jLo)]));
            double above = Math.exp(loss.logMixtureSf(z[(int) (kTopR - jLo)]));
            pmf[0] += below;
            out.put(LossDirection.REMOVE, new DiscretePld(d, jMinR, pmf, above, below + above));
        }
        if (symmetric) {
            out.put(LossDirection.ADD, out.get(LossDirection.REMOVE));
            return out;
        }
        // Add: remove-loss bin j is add-loss bin [−(j+1)Δ, −jΔ]; points −jTopA..−jMinA.
        {
            int n = (int) (jTopA - jMinA + 1);
            double[] pmf = new double[n];
            for (long j = jMinA; j < jTopA; j++) {
                int b = (int) (j - jLo);
                int hi = (int) (jTopA - j);
                pmf[hi] += upAdd[b];
                pmf[hi - 1] += noiseMass[b] - upAdd[b];
            }
            // Add losses below −jTopA·Δ (remove loss above jTopA·Δ) move up to the lowest point; add losses
            // above −jMinA·Δ go to +∞.
            double below = Math.exp(loss.logNoiseSf(z[(int) (jTopA - jLo)]));
            double above = Math.exp(loss.logNoiseCdf(z[(int) (jMinA - jLo)]));
            pmf[0] += below;
            out.put(LossDirection.ADD, new DiscretePld(d, -jTopA, pmf, above, below + above));
        }
        return out;
    }

    /** Thrown when the requested grid would exceed the configured size; the caller coarsens Δ. */
    static final class GridTooLargeException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long points;

        GridTooLargeException(long points) {
            super("grid of " + points + " points exceeds the limit", null, false, false);
            this.points = points;
        }
    }

    private static long ceilIndex(double l, double d) {
        return checkedIndex(Math.ceil(l / d));
    }

    private static long floorIndex(double l, double d) {
        return checkedIndex(Math.floor(l / d));
    }

    private static long checkedIndex(double k) {
        if (k == Double.NEGATIVE_INFINITY) {
            // Tail points are finite z, whose losses are finite; reaching this is a bug, not an input error.
            throw new IllegalStateException("infinite grid index");
        }
        if (Math.abs(k) > 1e15) {
            throw new GridTooLargeException(Long.MAX_VALUE);
        }
        return (long) k;
    }

    /**
     * The smallest t found, to 1e-12 relative, with f(t) ≤ target for a non-increasing f; the returned t
     * always satisfies f(t) ≤ target.
     */
    static double solveDecreasing(DoubleUnaryOperator f, double target, double start) {
        double lo = start;
        double hi = start + 1;
        if (f.applyAsDouble(lo) <= target) {
            // Move down until the target is exceeded (for a tail this only happens with a large budget).
            double step = 1;
            hi = lo;
            lo = hi - step;
            while (f.applyAsDouble(lo) <= target) {
                hi = lo;
                step *= 2;
                lo = hi - step;
                if (step > 1e12) {
                    return hi;
                }
            }
        } else {
            double step = 1;
            while (f.applyAsDouble(hi) > target) {
                lo = hi;
                step *= 2;
                hi = lo + step;
                if (step > 1e12) {
                    throw new IllegalStateException("no tail point found below log mass " + target);
                }
            }
        }
        for (int it = 0; it < 200 && hi - lo > 1e-12 * Math.max(1.0, Math.abs(hi)); it++) {
            double mid = 0.5 * (lo + hi);
            if (f.applyAsDouble(mid) <= target) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return hi;
    }

    /**
     * Integrates one bin: its noise mass, mixture mass, and the two connect-the-dots "round up" masses
     * E_mixture[π_remove; bin] and E_noise[π_add; bin].
     */
    private static final class BinIntegrator {
        private final SubsampledGaussianLoss loss;
        private final double d;
        private final double sigma;
        private final double sigmaSq;
        private final double logQ;
        private final double log1mQ;
        private final double q;
        private final double oneMinusQ;
        /** 1 − e^{−Δ}. */
        private final double oneMinusExpMinusD;
        double noise;
        double mixture;
        double upRemove;
        double upAdd;

        BinIntegrator(SubsampledGaussianLoss loss, double d) {
            this.loss = loss;
            this.d = d;
            this.sigma = loss.sigma();
            this.sigmaSq = sigma * sigma;
            this.logQ = Math.log(loss.samplingRate());
            this.log1mQ = loss.lossInfimum();
            this.q = loss.samplingRate();
            this.oneMinusQ = 1 - q;
            this.oneMinusExpMinusD = -Math.expm1(-d);
        }

        void integrate(long j, double za, double zb) {
            if (za == Double.NEGATIVE_INFINITY) {
                exact(j, za, zb);
                return;
            }
            double h = zb - za;
            double rate = (Math.max(Math.abs(za), Math.abs(zb)) + 2) / sigmaSq + 3.2 / sigma;
            double hr = h * rate;
            if (hr <= GL3_LIMIT) {
                quadrature(j, za, zb, GL3_NODES, GL3_WEIGHTS);
            } else if (hr <= GL5_LIMIT) {
                quadrature(j, za, zb, GL5_NODES, GL5_WEIGHTS);
            } else {
                exact(j, za, zb);
            }
        }

        private void quadrature(long j, double za, double zb, double[] nodes, double[] weights) {
            double half = 0.5 * (zb - za);
            double mid = 0.5 * (za + zb);
            double jd = j * d;
            double xMax = Math.max(Math.abs(za), Math.abs(zb)) / sigma;
            if (xMax < 30 && (zb - 0.5) / sigmaSq < 600 && Math.abs(jd) < 600) {
                quadratureFast(jd, half, mid, nodes, weights);
                return;
            }
            double g = 0;
            double m = 0;
            double ur = 0;
            double ua = 0;
            for (int k = 0; k < nodes.length; k++) {
                double z = mid + half * nodes[k];
                double x = z / sigma;
                double l = LogMath.logAdd(log1mQ, logQ + (z - 0.5) / sigmaSq);
                double lp = -0.5 * x * x;
                double pn = Math.exp(lp);
                double pm = Math.exp(lp + l);
                // y = L − kΔ lies in [0, Δ] up to rounding; clamp keeps π in [0, 1].
                double y = Math.min(Math.max(l - jd, 0.0), d);
                double w = weights[k];
                g += w * pn;
                m += w * pm;
                ur += w * pm * -Math.expm1(-y);
                ua += w * pn * -Math.expm1(y - d);
            }
            finish(half, g, m, ur, ua);
        }

        /**
         * The same integrals with e^L = 1 − q + q·e^u used directly, two exponentials per node instead of
         * six; only where nothing can overflow or underflow. The rounding weights 1 − e^{jΔ}/e^L and
         * 1 − e^L e^{−(j+1)Δ} then carry an absolute error of a few ulps, i.e. relative ≈ 1e-16/Δ after
         * normalisation, far below anything that matters.
         */
        private void quadratureFast(double jd, double half, double mid, double[] nodes, double[] weights) {
            double ejd = Math.exp(jd);
            double eHi = Math.exp(-(jd + d));
            double g = 0;
            double m = 0;
            double ur = 0;
            double ua = 0;
            for (int k = 0; k < nodes.length; k++) {
                double z = mid + half * nodes[k];
                double x = z / sigma;
                double el = oneMinusQ + q * Math.exp((z - 0.5) / sigmaSq);
                double pn = Math.exp(-0.5 * x * x);
                double pm = pn * el;
                double w = weights[k];
                g += w * pn;
                m += w * pm;
                ur += w * pm * Math.min(Math.max(1 - ejd / el, 0.0), oneMinusExpMinusD);
                ua += w * pn * Math.min(Math.max(1 - el * eHi, 0.0), oneMinusExpMinusD);
            }
            finish(half, g, m, ur, ua);
        }

        private void finish(double half, double g, double m, double ur, double ua) {
            double scale = half / (sigma * SQRT_2PI);
            noise = g * scale;
            mixture = m * scale;
            upRemove = Math.min(ur * scale / oneMinusExpMinusD, mixture);
            upAdd = Math.min(ua * scale / oneMinusExpMinusD, noise);
        }

        private void exact(long j, double za, double zb) {
            double logG = loss.logNoiseMass(za, zb);
            double logM = loss.logMixtureMass(za, zb);
            noise = Math.exp(logG);
            mixture = Math.exp(logM);
            // Remove bin [jΔ,(j+1)Δ]: w_hi = (M − e^{jΔ}G)/(1 − e^{−Δ}); add bin [−(j+1)Δ, −jΔ]:
            // w_hi = (G − e^{−(j+1)Δ}M)/(1 − e^{−Δ}). The exponents stay ≤ log of the first term.
            double ur = (mixture - Math.exp(j * d + logG)) / oneMinusExpMinusD;
            double ua = (noise - Math.exp(-(j + 1) * d + logM)) / oneMinusExpMinusD;
            upRemove = Math.min(Math.max(ur, 0.0), mixture);
            upAdd = Math.min(Math.max(ua, 0.0), noise);
        }
    }
}
