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
    private final double roundoffMass;

    /**
     * @param gridStep Δ
     * @param windowStart grid index of {@code pmf[0]}
     * @param pmf window masses, non-negative
     * @param infinityMass composed mass at +∞
     * @param upperTailBound bound on the composed finite mass above the window (it wrapped around)
     * @param aliasedMassBound bound on all composed finite mass outside the window (both sides)
     * @param truncatedMass bound on the probability that some step's true loss was truncated
     * @param roundoffMass estimate of the absolute FFT round-off summed over the window
     */
    ComposedPld(double gridStep, long windowStart, double[] pmf, double infinityMass, double upperTailBound,
                double aliasedMassBound, double truncatedMass, double roundoffMass) {
        this.gridStep = gridStep;
        this.windowStart = windowStart;
        this.pmf = pmf;
        this.infinityMass = infinityMass;
        this.upperTailBound = upperTailBound;
        this.aliasedMassBound = aliasedMassBound;
        this.truncatedMass = truncatedMass;
        this.roundoffMass = roundoffMass;
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

    double roundoffMass() {
        return roundoffMass;
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
     * The discrete curve plus {@code extra}: extra + m_∞ + Σ_{l_k &gt; ε} p_k(1 − e^{ε − l_k}), for ε ≥ 0
     * (or +∞).
     */
    double delta(double epsilon, double extra) {
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
        // Σ_{i ≥ i0} p_i − e^{ε − l_{i0}} Σ_{i ≥ i0} p_i e^{l_{i0} − l_i}, the second sum by Horner in e^{−Δ}.
        double x = Math.exp(-gridStep);
        double mass = 0;
        double weighted = 0;
        for (int i = n - 1; i >= i0; i--) {
            mass += pmf[i];
            weighted = weighted * x + pmf[i];
        }
        double value = base + mass - Math.exp(epsilon - loss(i0)) * weighted;
        return Math.min(1.0, Math.max(value, base));
    }

    /**
     * The smallest ε ≥ 0 with {@code delta(ε, extra) ≤ target}, or +∞ if m_∞ + extra &gt; target. Exact for
     * the discrete curve: on [l_i, l_{i+1}] the curve is A_i − C_i e^{ε − l_i}, solved in closed form,
     * with A_i and C_i accumulated from the top of the window so that no exponential exceeds 1.
     */
    double epsilon(double target, double extra) {
        double base = extra + infinityMass;
        if (base > target) {
            return Double.POSITIVE_INFINITY;
        }
        int n = pmf.length;
        double x = Math.exp(-gridStep);
        // At l_i: mass = Σ_{k>i} p_k, weighted = Σ_{k>i} p_k e^{l_i − l_k}; the curve there is
        // base + mass − weighted, and on [l_i, l_{i+1}] it is base + mass − weighted·e^{ε − l_i}.
        double mass = 0;
        double weighted = 0;
        for (int i = n - 1; i >= 0; i--) {
            if (i < n - 1) {
                mass += pmf[i + 1];
                weighted = (weighted + pmf[i + 1]) * x;
            }
            double li = loss(i);
            if (base + mass - weighted > target) {
                // mass > weighted ≥ 0 here; an underflowed weighted gives ratio = ∞ and the clamp below.
                double eps = li + Math.log((base + mass - target) / weighted);
                return Math.max(0.0, Math.min(Math.max(eps, li), li + gridStep));
            }
            if (li <= 0) {
                return 0.0;
            }
        }
        // The curve is ≤ target at the lowest window point l_0 > 0; below it every mass lies above ε.
        mass += pmf[0];
        weighted = (weighted + pmf[0]) * x;
        double ratio = (base + mass - target) / weighted;
        if (!(ratio > 0) || Double.isNaN(ratio)) {
            return 0.0;
        }
        return Math.max(0.0, Math.min(loss(-1) + Math.log(ratio), loss(0)));
    }
}
