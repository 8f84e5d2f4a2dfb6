package org.dpdl4j.accountant.pld;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyParameters;

/**
 * A composed, discretized privacy-loss distribution of a whole training run, with both add/remove
 * directions (one for symmetric mechanisms), that answers ε(δ) and δ(ε) consistently: for one object
 * {@code delta(epsilon(δ).epsilon()) ≤ δ} exactly.
 *
 * <p>Upper end: δ_up(ε) = max over directions of [m_∞ + Σ_{l&gt;ε} (p + e)(1 − e^{ε−l}) + (mass above the FFT
 * window)], where e is the round-off estimate of one window entry. It is a pessimistic curve because the
 * discretization dominates the mechanism ({@link ConnectTheDots}) and every mass in doubt counts in full.
 *
 * <p>Lower end (the stated error): ε_low = max over directions and over a few η of
 * ε'(δ + η + P(truncation) + aliased mass) − s(η), where ε' solves the curve with masses p − e and
 * s(η) = T·b(Δ) + Δ·sqrt(T·log(1/η)/2) is the loss shift of {@link DiscretizationError}. The true ε lies in
 * [ε_low, ε_up]; {@code errorBound} = ε_up − ε_low. Floating-point error of the per-step masses (relative
 * ≲ 1e-12) is not included, and the FFT round-off e is a calibrated estimate rather than a bound.
 *
 * <p>Privacy assumption: the mechanisms are those of the accounted events (Gaussian, or Poisson-subsampled
 * Gaussian under add/remove-one), run with independent randomness, and every step of the run is on the
 * same pair of neighbouring datasets.
 */
public final class PrivacyLossDistribution {

    /** η candidates for the lower bound, as fractions of δ. */
    private static final double[] ETA_FRACTIONS = {0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 5e-3, 2e-3, 1e-3, 1e-4};

    private final List<ComposedPld> directions;
    private final double gridStep;
    private final long steps;
    private final List<String> notes;

    PrivacyLossDistribution(List<ComposedPld> directions, double gridStep, long steps, List<String> notes) {
        if (directions.isEmpty() && steps > 0) {
            throw new IllegalArgumentException("a composed PLD needs at least one direction");
        }
        this.directions = List.copyOf(directions);
        this.gridStep = gridStep;
        this.steps = steps;
        this.notes = List.copyOf(notes);
    }

    /** The distribution of no mechanism at all: ε = 0 and δ = 0. */
    static PrivacyLossDistribution empty() {
        return new PrivacyLossDistribution(Collections.emptyList(), Double.NaN, 0,
                List.of("no mechanism runs: epsilon = 0, delta = 0"));
    }

    /** Δ, the loss grid step (NaN for the empty distribution). */
    public double gridStep() {
        return gridStep;
    }

    /** Total number of composed steps T. */
    public long steps() {
        return steps;
    }

    /** Number of directions composed: 2 for subsampled mechanisms, 1 for symmetric ones. */
    public int directionCount() {
        return directions.size();
    }

    /** Size of the FFT window (the largest over directions). */
    public int windowSize() {
        int n = 0;
        for (ComposedPld c : directions) {
            n = Math.max(n, c.windowSize());
        }
        return n;
    }

    /** How the distribution was built (grid, window, masses in doubt). */
    public List<String> notes() {
        return notes;
    }

    /** An upper bound on δ at ε (ε ≥ 0; +∞ gives 0, as these mechanisms have no loss at infinity). */
    public double delta(double epsilon) {
        PrivacyParameters.checkEpsilon(epsilon);
        if (directions.isEmpty() || epsilon == Double.POSITIVE_INFINITY) {
            return 0.0;
        }
        double worst = 0;
        for (ComposedPld c : directions) {
            worst = Math.max(worst, c.delta(epsilon, c.upperTailBound(), c.noisePerEntry()));
        }
        return Math.min(1.0, worst);
    }

    /** A lower bound on the true δ at ε (may be 0). */
    public double deltaLowerBound(double epsilon) {
        PrivacyParameters.checkEpsilon(epsilon);
        if (directions.isEmpty() || epsilon == Double.POSITIVE_INFINITY) {
            return 0.0;
        }
        double up = delta(epsilon);
        double best = 0;
        for (ComposedPld c : directions) {
            double doubt = c.aliasedMassBound() + c.truncatedMass();
            for (double f : ETA_FRACTIONS) {
                double eta = f * up;
                if (!(eta > 0)) {
                    continue;
                }
                double s = DiscretizationError.shift(gridStep, steps, Math.log(eta));
                best = Math.max(best, c.delta(epsilon + s, 0.0, -c.noisePerEntry()) - eta - doubt);
            }
        }
        return best;
    }

    /** The two ends of the ε interval and how the lower one was obtained. */
    record Interval(double upper, double lower, double shift, double eta) {
    }

    /** The interval [lower, upper] containing the true ε(δ); shift and eta are NaN without a lower bound. */
    Interval interval(double delta) {
        if (directions.isEmpty()) {
            return new Interval(0.0, 0.0, Double.NaN, Double.NaN);
        }
        double up = 0;
        for (ComposedPld c : directions) {
            double extra = c.upperTailBound();
            double noise = c.noisePerEntry();
            double e = c.epsilon(delta, extra, noise);
            if (e != Double.POSITIVE_INFINITY) {
                // Closed-form solution then rounding: move up by ulps until the curve is surely ≤ δ.
                for (int k = 0; k < 8 && c.delta(e, extra, noise) > delta; k++) {
                    e = e + Math.max(Math.ulp(e) * 4, 1e-15) * (1 << k);
                }
            }
            up = Math.max(up, e);
        }
        if (up == Double.POSITIVE_INFINITY) {
            return new Interval(up, 0.0, Double.NaN, Double.NaN);
        }
        // Each η gives a valid lower bound; keep the best, and its shift even when the bound is below 0
        // (the grid design uses it to tell a too-coarse grid from masses in doubt that are too large).
        double low = Double.NEGATIVE_INFINITY;
        double bestShift = Double.NaN;
        double bestEta = Double.NaN;
        for (ComposedPld c : directions) {
            double doubt = c.aliasedMassBound() + c.truncatedMass();
            for (double f : ETA_FRACTIONS) {
                double eta = f * delta;
                double target = delta + eta + doubt;
                if (!(target < 1)) {
                    continue;
                }
                double s = DiscretizationError.shift(gridStep, steps, Math.log(eta));
                double candidate = c.epsilon(target, 0.0, -c.noisePerEntry()) - s;
                if (candidate > low) {
                    low = candidate;
                    bestShift = s;
                    bestEta = eta;
                }
            }
        }
        low = Math.max(0.0, low);
        return new Interval(up, Math.min(low, up), bestShift, bestEta);
    }

    /**
     * The smallest ε with {@link #delta(double)} ≤ δ, and the width of an interval below it that contains
     * the true ε.
     */
    public EpsilonResult epsilon(double delta) {
        PrivacyParameters.checkDelta(delta);
        if (directions.isEmpty()) {
            return new EpsilonResult(0.0, delta, "pld", Double.NaN, 0.0, notes);
        }
        Interval in = interval(delta);
        List<String> out = new ArrayList<>(notes);
        double roundoff = 0;
        for (ComposedPld c : directions) {
            roundoff = Math.max(roundoff, c.roundoffMass());
        }
        if (roundoff > 1e-3 * delta) {
            out.add(String.format(Locale.ROOT, "warning: the FFT round-off (about %.2g summed over the window) is not "
                    + "small compared with delta = %.2g, which widens the interval; the rdp accountant may be tighter "
                    + "at this delta", roundoff, delta));
        }
        if (in.upper() == Double.POSITIVE_INFINITY) {
            out.add("no finite epsilon: the mass at infinite loss plus the masses in doubt (truncation, window, "
                    + "round-off) exceed delta; use a larger delta or the rdp accountant");
            return new EpsilonResult(in.upper(), delta, "pld", Double.NaN, Double.POSITIVE_INFINITY, out);
        }
        if (Double.isNaN(in.shift())) {
            out.add(String.format(Locale.ROOT, "error bound: no useful lower bound at this delta (the masses in doubt "
                    + "are too large compared with delta); the true epsilon lies in [0, %.6g]", in.upper()));
        } else {
            out.add(String.format(Locale.ROOT, "error bound: the true epsilon lies in [%.6g, %.6g]; lower end from the "
                    + "randomized-rounding coupling of connect-the-dots with Hoeffding's inequality (loss shift %.4g at "
                    + "eta = %.3g, bias b(grid) = %.3g per step) and the masses in doubt", in.lower(), in.upper(),
                    in.shift(), in.eta(), DiscretizationError.bias(gridStep)));
        }
        return new EpsilonResult(in.upper(), delta, "pld", Double.NaN, in.upper() - in.lower(), out);
    }
}
