package org.dpdl4j.accountant.pld;

/**
 * A privacy-loss distribution on the grid {kΔ}: {@code pmf[i]} is the P-probability of the loss
 * (offset + i)·Δ, plus an atom at +∞. The Q-measure is implicit: e^{−l} times the P-mass at every finite
 * l, with whatever Q-mass remains put on an atom at −∞ (where P has no mass). This makes (P, Q) a genuine
 * pair of probability distributions, which is what lets the pessimistic guarantee survive composition.
 *
 * <p>Privacy assumption: for a per-step distribution built by {@link ConnectTheDots}, the pair dominates
 * the true pair of output distributions of the mechanism (its hockey-stick curve is at least the true one
 * for every ε ∈ ℝ), so by Blackwell's theorem any composition of such pairs dominates the true
 * composition.
 */
final class DiscretePld {

    private final double gridStep;
    private final long offset;
    private final double[] pmf;
    private final double infinityMass;
    private final double truncatedMass;

    /**
     * @param gridStep Δ &gt; 0
     * @param offset grid index of {@code pmf[0]}
     * @param pmf non-negative masses (kept, not copied)
     * @param infinityMass P-mass at loss +∞
     * @param truncatedMass P-mass of true losses that truncation moved (to +∞ or up to the lowest grid
     *     point); needed by the lower bound, where those steps are not covered by the rounding coupling
     */
    DiscretePld(double gridStep, long offset, double[] pmf, double infinityMass, double truncatedMass) {
        if (!(gridStep > 0) || pmf.length == 0) {
            throw new IllegalArgumentException("a discrete PLD needs a positive grid step and at least one point");
        }
        this.gridStep = gridStep;
        this.offset = offset;
        this.pmf = pmf;
        this.infinityMass = infinityMass;
        this.truncatedMass = truncatedMass;
    }

    double gridStep() {
        return gridStep;
    }

    long offset() {
        return offset;
    }

    int size() {
        return pmf.length;
    }

    double pmf(int i) {
        return pmf[i];
    }

    /** The mass array itself; callers must not modify it. */
    double[] pmfArray() {
        return pmf;
    }

    double infinityMass() {
        return infinityMass;
    }

    double truncatedMass() {
        return truncatedMass;
    }

    /** Total finite mass Σ pmf. */
    double finiteMass() {
        double s = 0;
        for (double p : pmf) {
            s += p;
        }
        return s;
    }

    /** {mean, variance} of the finite part, normalised to mass 1. */
    double[] meanAndVariance() {
        double mass = 0;
        double m1 = 0;
        for (int i = 0; i < pmf.length; i++) {
            mass += pmf[i];
            m1 += pmf[i] * i;
        }
        if (!(mass > 0)) {
            return new double[] {offset * gridStep, 0.0};
        }
        double meanIndex = m1 / mass;
        double m2 = 0;
        for (int i = 0; i < pmf.length; i++) {
            double d = i - meanIndex;
            m2 += pmf[i] * d * d;
        }
        return new double[] {(offset + meanIndex) * gridStep, m2 / mass * gridStep * gridStep};
    }

    /**
     * An upper bound on log Σ_i pmf[i]·exp(λ·l_i), the log moment generating function of the finite part
     * (a sub-probability measure), for λ ≠ 0. Computed by Horner's rule in x = e^{−|λ|Δ} from the end
     * that dominates, so nothing overflows; terms whose factor x^e is below e^{−700} are bounded by
     * x^{cut} times their mass instead of being summed, which keeps the result an upper bound.
     */
    double logMgf(double lambda) {
        if (lambda == 0 || Double.isNaN(lambda)) {
            throw new IllegalArgumentException("logMgf needs lambda != 0, got " + lambda);
        }
        int m = pmf.length;
        double step = Math.abs(lambda) * gridStep;
        double x = Math.exp(-step);
        int cut = (int) Math.min(m, Math.floor(700.0 / step) + 1);
        boolean upper = lambda > 0;
        // a(e) = mass at exponent e, counted from the dominating end.
        double dropped = 0;
        for (int e = cut; e < m; e++) {
            dropped += pmf[upper ? m - 1 - e : e];
        }
        double x2 = x * x;
        double x4 = x2 * x2;
        double a0 = 0;
        double a1 = 0;
        double a2 = 0;
        double a3 = 0;
        int blocks = (cut + 3) >> 2;
        for (int j = blocks - 1; j >= 0; j--) {
            int e = j << 2;
            a0 = a0 * x4 + coefficient(e, cut, upper);
            a1 = a1 * x4 + coefficient(e + 1, cut, upper);
            a2 = a2 * x4 + coefficient(e + 2, cut, upper);
            a3 = a3 * x4 + coefficient(e + 3, cut, upper);
        }
        double s = a0 + x * a1 + x2 * a2 + x2 * x * a3;
        if (dropped > 0) {
            s += dropped * Math.exp(-step * cut);
        }
        double anchor = upper ? (offset + m - 1) * gridStep : offset * gridStep;
        return lambda * anchor + Math.log(s);
    }

    private double coefficient(int e, int cut, boolean upper) {
        if (e >= cut) {
            return 0.0;
        }
        return pmf[upper ? pmf.length - 1 - e : e];
    }
}
