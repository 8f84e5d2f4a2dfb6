package org.dpdl4j.accountant.pld;

/**
 * The composed discrete privacy-loss distribution of one {@link LossDirection}, as read out of the FFT
 * window, together with the masses that the window, the truncation and the round-off put in doubt.
 *
 * <p>The hockey-stick curve of the discrete distribution is
 * <pre>  δ(ε) = m_∞ + Σ_{l_k &gt; ε} p_k (1 − e^{ε − l_k}),</pre>
 * evaluated here only through factors e^{ε − l_k} ≤ 1 (never an exponential of a positive number), so ε
 * in the hundreds or thousands stays finite.
 *
 * <p>Privacy assumption: the window masses are those of a pessimistic discretization composed over
 * independent steps, all in this direction; {@link #upperTailBound()} bounds the mass that fell outside
 * the window above it.
 */
final class ComposedPld {

    private final double gridStep;
    private final long windowStart;
    private final double[] pmf;
    private final double infinityMass;
    private final double upperTailBound;
    private final double aliasedMassBound;
    private final double truncatedMass;
    private final double noisePerEntry;

    /**
     * @param gridStep Δ
     * @param windowStart grid index of {@code pmf[0]}
     * @param pmf window masses, non-negative
     * @param infinityMass composed mass at +∞
     * @param upperTailBound bound on the composed finite mass above the window (it wrapped around)
     * @param aliasedMassBound bound on all composed finite mass outside the window (both sides)
     * @param truncatedMass bound on the probability that some step's true loss was truncated
     * @param noisePerEntry estimate of the absolute FFT round-off of one window entry
     */
    ComposedPld(double gridStep, long windowStart, double[] pmf, double infinityMass, double upperTailBound,
                double aliasedMassBound, double truncatedMass, double noisePerEntry) {
        this.gridStep = gridStep;
        this.windowStart = windowStart;
        this.pmf = pmf;
        this.infinityMass = infinityMass;
        this.upperTailBound = upperTailBound;
        this.aliasedMassBound = aliasedMassBound;
        this.truncatedMass = truncatedMass;
        this.noisePerEntry = noisePerEntry;
    }

    double gridStep() {
        return gridStep;
    }

    long windowStart() {
        return windowStart;
    }

    int windowSize() {
        return pmf.length;
    }

    double infinityMass() {
        return infinityMass;
    }

    double upperTailBound() {
        return upperTailBound;
    }

    double aliasedMassBound() {
        return aliasedMassBound;
    }

    double truncatedMass() {
        return truncatedMass;
    }

    /** Estimated absolute round-off of each window entry. */
    double noisePerEntry() {
        return noisePerEntry;
    }

    /** The round-off estimate summed over the window. */
    double roundoffMass() {
        return noisePerEntry * pmf.length;
    }

    /** Loss at window position i. */
    double loss(int i) {
        return (windowStart + i) * gridStep;
    }

    /** Window mass at position i. */
    double pmf(int i) {
        return pmf[i];
    }

    /** Σ window masses. */
    double windowMass() {
        double s = 0;
        for (double p : pmf) {
            s += p;
        }
        return s;
    }

    /**
     * The discrete curve with every window mass shifted by {@code perEntry}, plus {@code extra}:
     * extra + m_∞ + Σ_{l_k &gt; ε} (p_k + perEntry)(1 − e^{ε − l_k}), for ε ≥ 0 (or +∞). A positive shift of
     * the round-off estimate gives an upper bound for the exactly computed composition, a negative one a
     * lower bound (as every weight is at most 1).
     */
    double delta(double epsilon, double extra, double perEntry) {
        double base = extra + infinityMass;
        if (epsilon == Double.POSITIVE_INFINITY) {
            return Math.min(1.0, base);
        }
        int n = pmf.length;
        double top = loss(n - 1);
        if (epsilon >= top) {
            return Math.min(1.0, base);
        }
        // First window index with l_i > ε.
        double pos = epsilon / gridStep - windowStart;
        int i0 = pos < 0 ? 0 : (int) Math.min(n - 1, Math.floor(pos) + 1);
        while (i0 > 0 && loss(i0 - 1) > epsilon) {
            i0--;
        }
        while (i0 < n && loss(i0) <= epsilon) {
            i0++;
        }
        // Σ_{i ≥ i0} m_i − e^{ε − l_{i0}} Σ_{i ≥ i0} m_i e^{l_{i0} − l_i}, the second sum by Horner in e^{−Δ}.
        double x = Math.exp(-gridStep);
        double mass = 0;
        double weighted = 0;
        for (int i = n - 1; i >= i0; i--) {
            double m = pmf[i] + perEntry;
            mass += m;
            weighted = weighted * x + m;
        }
        double value = base + mass - Math.exp(epsilon - loss(i0)) * weighted;
        return Math.min(1.0, perEntry >= 0 ? Math.max(value, base) : value);
    }

    /** {@link #delta(double, double, double)} without a shift. */
    double delta(double epsilon, double extra) {
        return delta(epsilon, extra, 0.0);
    }

    /** {@link #epsilon(double, double, double)} without a shift. */
    double epsilon(double target, double extra) {
        return epsilon(target, extra, 0.0);
    }

    /**
     * With a non-negative shift: the smallest ε ≥ 0 with {@code delta(ε, extra, perEntry) ≤ target}, or +∞
     * if m_∞ + extra &gt; target. Exact for the discrete curve: on [l_i, l_{i+1}] the curve is
     * A_i − C_i e^{ε − l_i}, solved in closed form, with A_i and C_i accumulated from the top of the window
     * so that no exponential exceeds 1.
     *
     * <p>With a negative shift the curve may rise locally where masses are below the round-off; the scan
     * from the top then returns a point at which the curve still exceeds the target, which is all a lower
     * bound needs (the true curve is monotone).
     */
    double epsilon(double target, double extra, double perEntry) {
        double base = extra + infinityMass;
        if (base > target) {
            return Double.POSITIVE_INFINITY;
        }
        int n = pmf.length;
        double x = Math.exp(-gridStep);
        // At l_i: mass = Σ_{k>i} m_k, weighted = Σ_{k>i} m_k e^{l_i − l_k}; the curve there is
        // base + mass − weighted, and on [l_i, l_{i+1}] it is base + mass − weighted·e^{ε − l_i}.
        double mass = 0;
        double weighted = 0;
        for (int i = n - 1; i >= 0; i--) {
            if (i < n - 1) {
                double m = pmf[i + 1] + perEntry;
                mass += m;
                weighted = (weighted + m) * x;
            }
            double li = loss(i);
            if (base + mass - weighted > target) {
                return Math.max(0.0, solve(base + mass - target, weighted, li));
            }
            if (li <= 0) {
                return 0.0;
            }
        }
        // The curve is ≤ target at the lowest window point l_0 &gt; 0; below it every mass lies above ε.
        double m = pmf[0] + perEntry;
        mass += m;
        weighted = (weighted + m) * x;
        double l = loss(-1);
        if (!(base + mass - target > 0) || !(weighted > 0)) {
            return 0.0;
        }
        return Math.max(0.0, Math.min(l + Math.log((base + mass - target) / weighted), loss(0)));
    }

    /**
     * Solves a − w·e^{ε − l} = 0 on [l, l + Δ] given that the left side is positive at l; returns l + Δ when
     * the root lies beyond (rounding) and l when the curve does not fall on the interval.
     */
    private double solve(double a, double w, double l) {
        if (!(w > 0)) {
            return w == 0 && a > 0 ? l + gridStep : l;
        }
        double eps = l + Math.log(a / w);
        return Math.min(Math.max(eps, l), l + gridStep);
    }
}
