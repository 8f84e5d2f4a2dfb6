package org.dpdl4j.core.audit;

import java.util.Arrays;

/**
 * Scores that turn what a canary's coordinate received at each step into one number per canary, for
 * the top-k guessing of a one-run audit. Any score computed from the released values alone keeps the
 * audit valid; these are chosen for power.
 *
 * <p>Privacy assumption: none; the inputs are released values (noisy gradients or parameter changes),
 * never the auditor's inclusion flags.
 */
public final class CanaryScores {

    private CanaryScores() {
    }

    /**
     * The noise scale of released values that are mostly pure noise around 0, robustly: median(|x|)/0.6745
     * (exact for Gaussian noise, and barely moved by the few steps that carry a canary).
     *
     * @throws IllegalArgumentException if there are no values, or they are all zero
     */
    public static double robustNoiseStd(double[][] values) {
        int n = 0;
        for (double[] row : values) {
            n += row.length;
        }
        if (n == 0) {
            throw new IllegalArgumentException("no released values to estimate the noise from");
        }
        double[] abs = new double[n];
        int k = 0;
        for (double[] row : values) {
            for (double v : row) {
                abs[k++] = Math.abs(v);
            }
        }
        Arrays.sort(abs);
        double median = n % 2 == 1 ? abs[n / 2] : 0.5 * (abs[n / 2 - 1] + abs[n / 2]);
        if (!(median > 0)) {
            throw new IllegalArgumentException("the released values carry no noise (median |x| = " + median + ")");
        }
        return median / 0.6744897501960817;
    }

    /**
     * The log-likelihood ratio of "a Dirac canary of unit contribution was present, sampled with
     * probability q at each step" against "absent", for values x_t in units of the clip norm with noise
     * std σ: Σ_t log(1 − q + q·exp((x_t − ½)/σ²)). For q = 1 (full batch) it is Σ_t (x_t − ½)/σ², the
     * optimal linear score.
     */
    public static double subsampledGaussianLogLikelihoodRatio(double[] x, double q, double sigma) {
        if (!(q > 0 && q <= 1)) {
            throw new IllegalArgumentException("sampling rate must be in (0, 1], got " + q);
        }
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("noise std must be a finite number > 0, got " + sigma);
        }
        double logQ = Math.log(q);
        double logNotQ = q == 1 ? Double.NEGATIVE_INFINITY : Math.log1p(-q);
        double inv = 1 / (sigma * sigma);
        double s = 0;
        for (double v : x) {
            double present = logQ + (v - 0.5) * inv;
            s += logAddExp(logNotQ, present);
        }
        return s;
    }

    private static double logAddExp(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        double hi = Math.max(a, b);
        return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
    }
}
