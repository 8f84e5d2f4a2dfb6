package org.dpdl4j.accountant.pld;

import java.util.List;

/**
 * Rigorous tail bounds for the sum S of independent discrete losses (c_i copies of step i), from the
 * moment generating functions of the discrete distributions themselves:
 * <pre>  P(S ≥ s) ≤ exp(K(λ) − λs),   P(S ≤ s) ≤ exp(K(−λ) + λs),   K(λ) = Σ c_i log M_i(λ),  λ &gt; 0.</pre>
 * They size the FFT window: mass outside it wraps around (circular convolution), and these bounds cap
 * that mass. Any λ gives a valid bound, so the minimisation over λ only affects the window size, never
 * correctness.
 *
 * <p>Privacy assumption: the steps are independent (fresh noise and sampling per step), which is what
 * makes the MGF of the sum the product of the per-step MGFs.
 */
final class ChernoffTails {

    private ChernoffTails() {
    }

    /** K(λ) = Σ c_i log M_i(λ), an upper bound (each log M_i is). */
    static double cumulant(List<DiscretePld> steps, long[] counts, double lambda) {
        double k = 0;
        for (int i = 0; i < steps.size(); i++) {
            k += counts[i] * steps.get(i).logMgf(lambda);
        }
        return k;
    }

    /** A level s with P(S ≥ s) ≤ e^{logEta}, as small as the search finds. */
    static double upperLevel(List<DiscretePld> steps, long[] counts, double logEta) {
        return search(steps, counts, logEta, true);
    }

    /** A level s with P(S ≤ s) ≤ e^{logEta}, as large as the search finds. */
    static double lowerLevel(List<DiscretePld> steps, long[] counts, double logEta) {
        return -search(steps, counts, logEta, false);
    }

    /**
     * Minimises over λ &gt; 0 the level g(λ) = (K(±λ) − logη)/λ at which the bound equals η (for the lower
     * tail, of −S). g is quasi-convex in λ ({λ : K(λ) − λs ≤ logη} is an interval because K is convex), so
     * a coarse scan in log λ followed by golden-section search finds its minimum.
     */
    private static double search(List<DiscretePld> steps, long[] counts, double logEta, boolean upper) {
        double variance = 0;
        for (int i = 0; i < steps.size(); i++) {
            variance += counts[i] * steps.get(i).meanAndVariance()[1];
        }
        double t0 = variance > 0 ? 0.5 * Math.log(2 * -logEta / variance) : 0.0;
        double bestT = t0;
        double best = Double.POSITIVE_INFINITY;
        for (int k = -8; k <= 8; k += 2) {
            double t = t0 + k;
            double g = level(steps, counts, logEta, upper, t);
            if (g < best) {
                best = g;
                bestT = t;
            }
        }
        double a = bestT - 2;
        double b = bestT + 2;
        final double invPhi = (Math.sqrt(5) - 1) / 2;
        double c = b - invPhi * (b - a);
        double d = a + invPhi * (b - a);
        double gc = level(steps, counts, logEta, upper, c);
        double gd = level(steps, counts, logEta, upper, d);
        while (b - a > 0.02) {
            if (gc <= gd) {
                b = d;
                d = c;
                gd = gc;
                c = b - invPhi * (b - a);
                gc = level(steps, counts, logEta, upper, c);
            } else {
                a = c;
                c = d;
                gc = gd;
                d = a + invPhi * (b - a);
                gd = level(steps, counts, logEta, upper, d);
            }
        }
        return Math.min(best, Math.min(gc, gd));
    }

    private static double level(List<DiscretePld> steps, long[] counts, double logEta, boolean upper, double t) {
        double lambda = Math.exp(t);
        double k = cumulant(steps, counts, upper ? lambda : -lambda);
        double g = (k - logEta) / lambda;
        return Double.isNaN(g) ? Double.POSITIVE_INFINITY : g;
    }
}
