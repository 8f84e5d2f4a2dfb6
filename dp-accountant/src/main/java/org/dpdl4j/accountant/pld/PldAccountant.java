package org.dpdl4j.accountant.pld;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.dpdl4j.accountant.EpsilonResult;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.UnsupportedEventException;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.FlatEvents;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;
import org.dpdl4j.accountant.rdp.RdpAccountant;

/**
 * Tight numerical accountant based on privacy-loss distributions (PLD): pessimistic connect-the-dots
 * discretization of every step ({@link ConnectTheDots}), FFT composition with a window sized by rigorous
 * Chernoff bounds ({@link FftComposition}), δ(ε) and ε(δ) in log-safe form, and a stated error bound:
 * the true ε lies in [ε − errorBound, ε] ({@link PrivacyLossDistribution}).
 *
 * <p>Supported: {@link GaussianEvent} under either relation (its PLD is symmetric), {@link
 * PoissonSampledEvent} of a Gaussian under add/remove-one (both directions are composed and the larger δ
 * is reported), and any composition of these. Sampling without replacement is refused; the rdp accountant
 * implements the Wang–Balle–Kasiviswanathan bound for it.
 *
 * <p>Grid. Unless fixed with {@link Builder#gridStep(double)}, the loss grid step Δ is chosen so that the
 * dominant error term, the rounding shift T·b(Δ) + Δ·sqrt(T·log(1/η)/2) of {@link DiscretizationError}
 * (η = 1% of δ, b(Δ) ≈ Δ²/8), is 3/4 of {@link Builder#targetRelativeError(double)} times the RDP estimate
 * of ε (an upper bound on the true ε, floored at 0.5). If the resulting interval is still wider than 1.5
 * times the target because RDP overestimated ε, Δ is recomputed once from the PLD's own ε. Each query is
 * answered from a distribution designed for δ's half-decade (δ in [10^{k−½}, 10^{k+½}); the grid is
 * designed at the upper edge, the tail budgets at the lower edge), so ε(δ) and δ(ε) of the same event use
 * the same distribution and are consistent. If the grid would exceed {@link Builder#maxGridSize(int)} points
 * Δ is coarsened, which widens the stated error; a note then says so.
 *
 * <p>Limits. The FFT works in double precision: every composed mass carries a round-off of about
 * u·T·(largest mass), which is added to (upper end) or subtracted from (lower end) each mass. With 10⁴ steps
 * this floor is near 1e-11 in δ, so δ below about 1e-10 gives a wider interval and δ below the floor gives
 * ε = +∞ (use rdp there).
 *
 * <p>Privacy assumption: each event describes the mechanism that ran (sensitivity 1 relative to the noise
 * multiplier, Poisson sampling with exactly rate q, fresh randomness per step), and all steps are stated
 * under one neighbouring relation.
 */
public final class PldAccountant implements PrivacyAccountant {

    /** Default target for errorBound/ε. */
    public static final double DEFAULT_TARGET_RELATIVE_ERROR = 0.005;
    /** Default for the masses allowed to truncation and FFT wrap-around, as a fraction of δ. */
    public static final double DEFAULT_TAIL_MASS_FRACTION = 1e-5;
    /** Default largest grid (per-step points and FFT size). */
    public static final int DEFAULT_MAX_GRID_SIZE = 1 << 21;

    /** Part of the error target given to the rounding shift; the rest covers the other terms. */
    private static final double SHIFT_SHARE = 0.75;
    /**
     * Reference ε for the first pass when RDP gives less: small ε start on a cheap coarse grid and the
     * refinement pass then sizes the grid from the PLD's own ε (and ε = 0 costs nothing).
     */
    private static final double EPSILON_FLOOR = 0.5;
    private static final double MAX_GRID_STEP = 1.0;
    private static final int MAX_COARSENINGS = 6;
    /** A first pass whose error exceeds this multiple of the target is refined once. */
    private static final double REFINE_RATIO = 1.5;
    /** Half-decades below the coarse answer that {@link #delta} searches while no lower bound on δ(ε) is positive. */
    private static final int UNRESOLVED_HALF_DECADES = 3;

    private final double targetRelativeError;
    private final double fixedGridStep;
    private final double tailMassFraction;
    private final int maxGridSize;
    private final RdpAccountant rdp = RdpAccountant.withDefaultOrders();

    private PldAccountant(Builder b) {
        this.targetRelativeError = b.targetRelativeError;
        this.fixedGridStep = b.gridStep;
        this.tailMassFraction = b.tailMassFraction;
        this.maxGridSize = b.maxGridSize;
    }

    /** The accountant with default settings. */
    public static PldAccountant withDefaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Target for errorBound/ε used when choosing the grid. */
    public double targetRelativeError() {
        return targetRelativeError;
    }

    /** The fixed loss grid step, or NaN when it is chosen automatically. */
    public double fixedGridStep() {
        return fixedGridStep;
    }

    /** Mass allowed to truncation and to each side of the FFT window, as a fraction of δ. */
    public double tailMassFraction() {
        return tailMassFraction;
    }

    /** Largest number of grid points per step and FFT size. */
    public int maxGridSize() {
        return maxGridSize;
    }

    @Override
    public String name() {
        return "pld";
    }

    @Override
    public void checkSupported(DpEvent event) {
        for (DpEvent base : FlatEvents.of(event).counts().keySet()) {
            lossOf(base);
        }
    }

    /**
     * The upper end ε of the interval [ε − errorBound, ε] that contains the true ε at δ, with notes on the
     * grid, the window and every mass in doubt. One composition (two with the refinement pass).
     */
    @Override
    public EpsilonResult epsilon(DpEvent event, double delta) {
        PrivacyParameters.checkDelta(delta);
        return distribution(event, delta).epsilon(delta);
    }

    /**
     * An upper bound on δ at ε. Costs a coarse composition plus usually one or two fine ones: the answer
     * comes from the distributions that {@link #epsilon} uses for the half-decades that can contain it, so
     * that {@code delta(event, epsilon(event, δ).epsilon()) ≤ δ} wherever the PLD resolves δ(ε), i.e. where
     * one of those distributions gives a positive lower bound on it (below the round-off floor it does not).
     */
    @Override
    public double delta(DpEvent event, double epsilon) {
        PrivacyParameters.checkEpsilon(epsilon);
        FlatEvents flat = FlatEvents.of(event);
        List<SubsampledGaussianLoss> losses = losses(flat);
        if (flat.isEmpty() || epsilon == Double.POSITIVE_INFINITY) {
            return 0.0;
        }
        // Find δ's half-decade with a coarse distribution, then answer from the distributions that
        // epsilon(δ) would use for every half-decade that can still contain the answer, and keep the
        // smallest (each is a valid upper bound). This makes delta(epsilon(δ)) ≤ δ hold across calls.
        // A δ in half-decade k with epsilon(δ) = ε satisfies lower ≤ δ(ε) ≤ δ < 10^{k+½}, so the descent
        // stops only once a lower bound excludes k. The coarse upper end can lie several decades above δ(ε)
        // (its grid and tail budgets are designed for the RDP estimate of δ, which may be far too large), so
        // no fixed number of half-decades below it is enough.
        double rdpDelta = Math.min(0.5, rdp.delta(event, epsilon));
        int coarseBucket = bucket(Math.max(rdpDelta, Double.MIN_NORMAL));
        PrivacyLossDistribution coarse = build(event, flat, losses, coarseBucket, 10 * targetRelativeError);
        double best = coarse.delta(epsilon);
        double lower = coarse.deltaLowerBound(epsilon);
        int top = bucket(Math.max(best, Double.MIN_NORMAL));
        for (int k = top; k > -300; k--) {
            if (Math.pow(10, k + 0.5) <= lower) {
                break;
            }
            if (best <= Math.pow(10, k - 0.5)) {
                continue;
            }
            if (!(lower > 0) && k < top - UNRESOLVED_HALF_DECADES) {
                // No distribution bounds δ(ε) away from 0: it is below their round-off floor, where
                // epsilon(δ) is not accurate either, and the descent would have no end.
                break;
            }
            PrivacyLossDistribution fine = build(event, flat, losses, k, targetRelativeError);
            best = Math.min(best, fine.delta(epsilon));
            lower = Math.max(lower, fine.deltaLowerBound(epsilon));
        }
        return best;
    }

    /**
     * The composed distribution that {@link #epsilon} uses for this δ; query it for ε(δ) and δ(ε) pairs
     * that must be exactly consistent.
     */
    public PrivacyLossDistribution distribution(DpEvent event, double delta) {
        PrivacyParameters.checkDelta(delta);
        FlatEvents flat = FlatEvents.of(event);
        List<SubsampledGaussianLoss> losses = losses(flat);
        if (flat.isEmpty()) {
            return PrivacyLossDistribution.empty();
        }
        return build(event, flat, losses, bucket(delta), targetRelativeError);
    }

    /** Half-decade index k with δ ∈ [10^{k−½}, 10^{k+½}). */
    static int bucket(double delta) {
        return (int) Math.round(Math.log10(delta));
    }

    private static List<SubsampledGaussianLoss> losses(FlatEvents flat) {
        List<SubsampledGaussianLoss> out = new ArrayList<>();
        for (DpEvent base : flat.counts().keySet()) {
            out.add(lossOf(base));
        }
        return out;
    }

    private static SubsampledGaussianLoss lossOf(DpEvent base) {
        if (base instanceof GaussianEvent g) {
            return new SubsampledGaussianLoss(1.0, g.noiseMultiplier());
        }
        if (base instanceof PoissonSampledEvent p) {
            if (p.event() instanceof GaussianEvent g) {
                return new SubsampledGaussianLoss(p.samplingRate(), g.noiseMultiplier());
            }
            throw new UnsupportedEventException("the pld accountant supports Poisson subsampling of a Gaussian "
                    + "mechanism only, got Poisson subsampling of " + p.event().kind());
        }
        if (base instanceof SampledWithoutReplacementEvent) {
            throw new UnsupportedEventException("the pld accountant does not support sampling without replacement "
                    + "(fixed-size batches); use the rdp accountant, which implements the Wang-Balle-Kasiviswanathan "
                    + "bound for it, or switch the trainer to Poisson sampling");
        }
        throw new UnsupportedEventException("the pld accountant does not support " + base.kind()
                + " events; use the rdp accountant");
    }

    /**
     * Builds the distribution for half-decade k with the given error target. The design depends only on
     * the event, the settings and k, so that every query in the half-decade sees the same distribution.
     */
    private PrivacyLossDistribution build(DpEvent event, FlatEvents flat, List<SubsampledGaussianLoss> losses,
                                          int k, double relativeError) {
        long steps = flat.totalCount();
        double deltaForBudget = Math.pow(10, k - 0.5);
        double deltaForGrid = Math.min(0.5, Math.pow(10, k + 0.5));
        double logTail = Math.log(deltaForBudget) + Math.log(tailMassFraction);
        if (!Double.isNaN(fixedGridStep)) {
            List<String> notes = new ArrayList<>();
            notes.add(String.format(Locale.ROOT, "grid step %.4g fixed by the caller", fixedGridStep));
            return composeWithinLimit(flat, losses, fixedGridStep, logTail, steps, notes);
        }
        double epsRef = rdp.epsilon(event, deltaForGrid).epsilon();
        if (!(epsRef < Double.POSITIVE_INFINITY)) {
            epsRef = 100;
        }
        epsRef = Math.max(epsRef, EPSILON_FLOOR);
        double gridStep = gridStepFor(relativeError * epsRef, steps, deltaForGrid);
        List<String> notes = new ArrayList<>();
        notes.add(String.format(Locale.ROOT, "grid step %.4g chosen for a target error of %.3g x epsilon (RDP estimate "
                + "%.4g at delta %.3g, %d steps)", gridStep, relativeError, epsRef, deltaForGrid, steps));
        PrivacyLossDistribution pld = composeWithinLimit(flat, losses, gridStep, logTail, steps, notes);
        // The RDP estimate can be far above the true ε (tiny ε, strong subsampling), leaving the grid too
        // coarse for the target. One refinement from the PLD's own ε at the design δ fixes that when the
        // rounding shift dominates the error; otherwise a finer grid would not help.
        PrivacyLossDistribution.Interval in = pld.interval(deltaForGrid);
        double width = in.upper() - in.lower();
        if (Double.isFinite(in.upper()) && in.upper() > 0 && !Double.isNaN(in.shift())
                && width > REFINE_RATIO * relativeError * in.upper() && in.shift() > 0.5 * width) {
            double refined = gridStepFor(relativeError * in.upper(), steps, deltaForGrid);
            if (refined < 0.8 * gridStep) {
                List<String> refinedNotes = new ArrayList<>();
                refinedNotes.add(String.format(Locale.ROOT, "grid step %.4g chosen for a target error of %.3g x "
                        + "epsilon (refined from a first pass with step %.4g, which gave epsilon %.4g at delta %.3g, "
                        + "%d steps)", refined, relativeError, gridStep, in.upper(), deltaForGrid, steps));
                pld = composeWithinLimit(flat, losses, refined, logTail, steps, refinedNotes);
            }
        }
        return pld;
    }

    /**
     * The grid step whose rounding shift T·b(Δ) + Δ·sqrt(T·log(1/η)/2), with b(Δ) ≈ Δ²/8 and η = 1% of δ,
     * equals {@link #SHIFT_SHARE} of the error budget (the positive root of the quadratic).
     */
    static double gridStepFor(double errorBudget, long steps, double delta) {
        double a = steps / 8.0;
        double b = Math.sqrt(steps * -Math.log(0.01 * delta) / 2);
        double c = SHIFT_SHARE * errorBudget;
        return Math.min(MAX_GRID_STEP, 2 * c / (b + Math.sqrt(b * b + 4 * a * c)));
    }

    /** Composes on the given grid, coarsening it if the grid would exceed the size limit. */
    private PrivacyLossDistribution composeWithinLimit(FlatEvents flat, List<SubsampledGaussianLoss> losses,
                                                       double gridStep, double logTail, long steps, List<String> notes) {
        double step = gridStep;
        for (int attempt = 0; ; attempt++) {
            try {
                return compose(flat, losses, step, logTail, steps, notes);
            } catch (ConnectTheDots.GridTooLargeException e) {
                if (attempt >= MAX_COARSENINGS) {
                    throw new IllegalStateException("the pld accountant could not fit the loss distribution into "
                            + maxGridSize + " grid points; raise maxGridSize or use the rdp accountant", e);
                }
                double factor = e.points == Long.MAX_VALUE ? 16.0 : Math.max(1.25, 1.1 * e.points / (double) maxGridSize);
                step *= factor;
                notes.add(String.format(Locale.ROOT, "warning: grid coarsened to %.4g to stay within %d points; "
                        + "the stated error is larger than targeted", step, maxGridSize));
            }
        }
    }

    private PrivacyLossDistribution compose(FlatEvents flat, List<SubsampledGaussianLoss> losses, double gridStep,
                                            double logTail, long steps, List<String> designNotes) {
        double logThird = Math.log(3.0);
        // Truncation gets a third of the tail budget, spread over all steps (union bound over steps and the
        // two sides); each side of the FFT window gets a third.
        double logTruncation = logTail - logThird - Math.log(2.0 * steps);
        double logWindow = logTail - logThird;
        List<DiscretePld> remove = new ArrayList<>();
        List<DiscretePld> add = new ArrayList<>();
        long[] counts = new long[losses.size()];
        boolean symmetric = true;
        int i = 0;
        for (Map.Entry<DpEvent, Long> e : flat.counts().entrySet()) {
            SubsampledGaussianLoss loss = losses.get(i);
            Map<LossDirection, DiscretePld> d = ConnectTheDots.discretize(loss, gridStep, logTruncation, maxGridSize);
            remove.add(d.get(LossDirection.REMOVE));
            add.add(d.get(LossDirection.ADD));
            counts[i] = e.getValue();
            symmetric &= loss.isSymmetric();
            i++;
        }
        List<ComposedPld> directions = new ArrayList<>();
        directions.add(FftComposition.compose(remove, counts, logWindow, logWindow, maxGridSize));
        if (!symmetric) {
            directions.add(FftComposition.compose(add, counts, logWindow, logWindow, maxGridSize));
        }
        List<String> notes = new ArrayList<>(designNotes);
        notes.add(String.format(Locale.ROOT, "PLD: connect-the-dots pessimistic discretization (Doroshenko et al. 2022) "
                + "on a loss grid of step %.4g, FFT composition of %d steps, %s", gridStep, steps,
                symmetric ? "symmetric mechanism (one direction)" : "max over the add and remove directions"));
        String[] names = {"remove", "add"};
        for (int k = 0; k < directions.size(); k++) {
            ComposedPld c = directions.get(k);
            notes.add(String.format(Locale.ROOT, "%s direction: window of %d points over losses [%.4g, %.4g]; mass at "
                    + "infinity %.3g (truncation), truncated-step probability <= %.3g, aliased mass <= %.3g (above the "
                    + "window <= %.3g, added to delta), FFT round-off estimate %.3g per entry (%.3g over the window; added to each "
                    + "mass for the upper end, subtracted for the lower end)",
                    symmetric ? "both" : names[k], c.windowSize(), c.loss(0), c.loss(c.windowSize() - 1),
                    c.infinityMass(), c.truncatedMass(), c.aliasedMassBound(), c.upperTailBound(), c.noisePerEntry(),
                    c.roundoffMass()));
        }
        return new PrivacyLossDistribution(directions, gridStep, steps, notes);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "PldAccountant[targetRelativeError=%s, gridStep=%s, tailMassFraction=%s, "
                + "maxGridSize=%d]", targetRelativeError, Double.isNaN(fixedGridStep) ? "auto" : fixedGridStep,
                tailMassFraction, maxGridSize);
    }

    /**
     * Settings of a {@link PldAccountant}, validated when set.
     *
     * <p>Privacy assumption: none; the settings trade accuracy against time and never make the reported ε
     * smaller than a rigorous upper bound (coarser settings only widen the stated error).
     */
    public static final class Builder {
        private double targetRelativeError = DEFAULT_TARGET_RELATIVE_ERROR;
        private double gridStep = Double.NaN;
        private double tailMassFraction = DEFAULT_TAIL_MASS_FRACTION;
        private int maxGridSize = DEFAULT_MAX_GRID_SIZE;

        private Builder() {
        }

        /**
         * Target for errorBound/ε when the grid is chosen automatically, in [1e-4, 0.5]; default 0.005.
         * Halving it roughly doubles the grid and the run time.
         */
        public Builder targetRelativeError(double value) {
            if (!(value >= 1e-4 && value <= 0.5)) {
                throw new IllegalArgumentException("target relative error must be in [1e-4, 0.5], got " + value);
            }
            this.targetRelativeError = value;
            return this;
        }

        /** Fixes the loss grid step Δ (finite, in [1e-7, 10]) instead of choosing it automatically. */
        public Builder gridStep(double value) {
            if (!(value >= 1e-7 && value <= 10)) {
                throw new IllegalArgumentException("grid step must be in [1e-7, 10], got " + value);
            }
            this.gridStep = value;
            return this;
        }

        /** Chooses the grid step automatically again (the default). */
        public Builder automaticGridStep() {
            this.gridStep = Double.NaN;
            return this;
        }

        /**
         * Mass, as a fraction of δ, allowed to tail truncation and to each side of the FFT window, in
         * [1e-12, 1e-2]; default 1e-5. Every such mass is counted pessimistically.
         */
        public Builder tailMassFraction(double value) {
            if (!(value >= 1e-12 && value <= 1e-2)) {
                throw new IllegalArgumentException("tail mass fraction must be in [1e-12, 1e-2], got " + value);
            }
            this.tailMassFraction = value;
            return this;
        }

        /** Largest grid (per-step points and FFT size), a power of two in [2^10, 2^26]; default 2^21. */
        public Builder maxGridSize(int value) {
            if (value < (1 << 10) || value > (1 << 26) || !Fft.isPowerOfTwo(value)) {
                throw new IllegalArgumentException("max grid size must be a power of two in [1024, 67108864], got "
                        + value);
            }
            this.maxGridSize = value;
            return this;
        }

        public PldAccountant build() {
            return new PldAccountant(this);
        }
    }
}
