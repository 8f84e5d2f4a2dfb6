package org.dpdl4j.dl4j.finetune;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.dpdl4j.accountant.PrivacyAccountant;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.calibration.NoiseCalibration;
import org.dpdl4j.accountant.event.ComposedEvent;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.FlatEvents;
import org.dpdl4j.accountant.pld.PldAccountant;

/**
 * A fine-tuning strategy as an ordered list of {@link Phase}s with one privacy budget: total (ε, δ) and
 * a {@link BudgetSplit} over the phases whose σ is not fixed. Immutable; built with a validating
 * builder, or from {@link Strategies}.
 *
 * <p>Accounting: the phases run one after another on the same private data, so the guarantee is the
 * adaptive composition of all their steps, plus whatever the ledger held before. {@link #plan} computes
 * every σ before training so that this composition meets the budget under the tight PLD accountant
 * (connect-the-dots, FFT composition; the reported ε is the upper end of its error interval), and
 * {@link FineTuner} then records each phase's steps under the phase's own label in one ledger.
 *
 * <p>Privacy assumption: phases, split and budget are fixed before training, without looking at the
 * private data; every phase samples from the same private dataset of n records (n is public) under
 * add/remove-one neighbouring.
 */
public final class Schedule {

    private final String name;
    private final List<Phase> phases;
    private final double epsilon;
    private final double delta;
    private final BudgetSplit split;

    private Schedule(Builder b) {
        this.name = b.name;
        this.phases = List.copyOf(b.phases);
        this.epsilon = b.epsilon;
        this.delta = b.delta;
        this.split = b.split;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder with this schedule's settings. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.name = name;
        b.phases.addAll(phases);
        b.epsilon = epsilon;
        b.delta = delta;
        b.split = split;
        return b;
    }

    /** The strategy's name, for reports. */
    public String name() {
        return name;
    }

    public List<Phase> phases() {
        return phases;
    }

    /** The total ε budget, or NaN when every phase has a fixed σ and no budget was set. */
    public double epsilon() {
        return epsilon;
    }

    public double delta() {
        return delta;
    }

    public BudgetSplit split() {
        return split;
    }

    /** The accountant that plans and reports: the tight PLD accountant with default settings. */
    public static PrivacyAccountant accountant() {
        return PldAccountant.withDefaults();
    }

    /**
     * The σ of every phase for a private dataset of {@code n} records, given what the ledger already holds.
     *
     * @param prior the ledger's composed history (e.g. {@code ledger.toEvent()}), or null for none
     * @throws IllegalArgumentException when the budget cannot be met: the prior records and fixed-σ phases
     *     already spend it, or per-phase targets compose to more than the total (the message says which)
     */
    public PrivacyPlan plan(long n, DpEvent prior) {
        if (n < 1) {
            throw new IllegalArgumentException("the private dataset is empty");
        }
        PrivacyAccountant acc = accountant();
        DpEvent before = prior == null ? new ComposedEvent(List.of()) : prior;
        double priorEps = eps(acc, before);
        List<DpEvent> fixed = new ArrayList<>();
        fixed.add(before);
        List<Integer> calibratedIdx = new ArrayList<>();
        for (int k = 0; k < phases.size(); k++) {
            Phase p = phases.get(k);
            if (p.calibrated()) {
                calibratedIdx.add(k);
            } else {
                fixed.add(p.event(n, p.noiseMultiplier()));
            }
        }
        double[] sigma = new double[phases.size()];
        double scale = 1.0;
        for (int k = 0; k < phases.size(); k++) {
            sigma[k] = phases.get(k).noiseMultiplier();
        }
        if (!calibratedIdx.isEmpty()) {
            double fixedEps = eps(acc, new ComposedEvent(fixed));
            if (fixedEps >= epsilon) {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "nothing is left for the calibrated phases: "
                        + "earlier ledger records and the fixed-sigma phases already spend eps=%.4f >= the budget %.4f at "
                        + "delta %.1e; raise the budget, give those phases more noise, or use a fresh ledger", fixedEps,
                        epsilon, delta));
            }
            double[] shares = split.values(calibratedIdx.size());
            boolean perPhase = split.kind() == BudgetSplit.Kind.PER_PHASE_EPSILONS;
            Map<String, Double> cache = new HashMap<>();
            double[] base = new double[calibratedIdx.size()];
            for (int j = 0; j < base.length; j++) {
                Phase p = phases.get(calibratedIdx.get(j));
                double target = perPhase ? shares[j] : shares[j] * epsilon;
                String key = p.stepEvent(n, 1.0) + "|" + p.steps() + "|" + target;
                base[j] = cache.computeIfAbsent(key, x -> NoiseCalibration.noiseMultiplier(acc, s -> p.event(n, s), target,
                        delta).noiseMultiplier());
            }
            if (!perPhase) {
                double[] b = base;
                try {
                    scale = NoiseCalibration.noiseMultiplier(acc, t -> composed(fixed, calibratedIdx, b, t, n), epsilon,
                            delta).noiseMultiplier();
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("no common noise scale meets the budget eps=" + epsilon
                            + " at delta=" + delta + ": " + e.getMessage(), e);
                }
            }
            for (int j = 0; j < base.length; j++) {
                sigma[calibratedIdx.get(j)] = base[j] * scale;
            }
        }
        List<DpEvent> all = new ArrayList<>();
        List<PrivacyPlan.PlannedPhase> planned = new ArrayList<>();
        for (int k = 0; k < phases.size(); k++) {
            Phase p = phases.get(k);
            DpEvent e = p.event(n, sigma[k]);
            all.add(e);
            planned.add(new PrivacyPlan.PlannedPhase(p.name(), p.ledgerLabel(), sigma[k], p.steps(), p.stepEvent(n, sigma[k]),
                    eps(acc, e), p.calibrated()));
        }
        DpEvent composed = new ComposedEvent(all);
        // The same event, in the order the calibration evaluated it (fixed parts first), so that the total is
        // exactly the value the calibration verified.
        double total = eps(acc, composedByPhase(fixed, calibratedIdx, sigma, n));
        if (!Double.isNaN(epsilon) && total > epsilon) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the phases compose to eps=%.4f > the budget %.4f "
                    + "at delta %.1e%s; lower the per-phase targets, use BudgetSplit.fractions(...), or give more noise",
                    total, epsilon, delta, split.kind() == BudgetSplit.Kind.PER_PHASE_EPSILONS ? " (per-phase targets "
                            + split + ")" : ""));
        }
        return new PrivacyPlan(planned, priorEps, total, delta, epsilon, acc.name(), scale, composed);
    }

    private DpEvent composed(List<DpEvent> fixed, List<Integer> idx, double[] base, double t, long n) {
        List<DpEvent> parts = new ArrayList<>(fixed);
        for (int j = 0; j < idx.size(); j++) {
            parts.add(phases.get(idx.get(j)).event(n, base[j] * t));
        }
        return new ComposedEvent(parts);
    }

    /** As above with σ indexed by phase (sigmaByPhase[k]) instead of by calibrated position. */
    private DpEvent composedByPhase(List<DpEvent> fixed, List<Integer> idx, double[] sigmaByPhase, long n) {
        double[] base = new double[idx.size()];
        for (int j = 0; j < idx.size(); j++) {
            base[j] = sigmaByPhase[idx.get(j)];
        }
        return composed(fixed, idx, base, 1.0, n);
    }

    private double eps(PrivacyAccountant acc, DpEvent e) {
        if (FlatEvents.of(e).isEmpty()) {
            return 0;
        }
        return acc.epsilon(e, delta).epsilon();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Schedule[" + name + ", ");
        sb.append(Double.isNaN(epsilon) ? "no budget" : String.format(Locale.ROOT, "budget (%.4g, %.1e)", epsilon, delta));
        sb.append(", ").append(split);
        for (Phase p : phases) {
            sb.append("; ").append(p.describe());
        }
        return sb.append(']').toString();
    }

    /** Validating builder. */
    public static final class Builder {
        private String name = "schedule";
        private final List<Phase> phases = new ArrayList<>();
        private double epsilon = Double.NaN;
        private double delta = Double.NaN;
        private BudgetSplit split = BudgetSplit.equal();

        private Builder() {
        }

        public Builder name(String strategyName) {
            if (strategyName == null || strategyName.isBlank()) {
                throw new IllegalArgumentException("the schedule name must be non-blank");
            }
            this.name = strategyName;
            return this;
        }

        /** Appends a phase. */
        public Builder phase(Phase phase) {
            phases.add(Objects.requireNonNull(phase, "phase"));
            return this;
        }

        /** The total budget (ε, δ) of all phases together. */
        public Builder budget(double totalEpsilon, double delta) {
            this.epsilon = PrivacyParameters.checkTargetEpsilon(totalEpsilon);
            this.delta = PrivacyParameters.checkDelta(delta);
            return this;
        }

        /** δ alone, for schedules whose phases all have a fixed σ and no budget. */
        public Builder delta(double delta) {
            this.delta = PrivacyParameters.checkDelta(delta);
            return this;
        }

        public Builder split(BudgetSplit split) {
            this.split = Objects.requireNonNull(split, "split");
            return this;
        }

        public Schedule build() {
            if (phases.isEmpty()) {
                throw new IllegalArgumentException("a schedule needs at least one phase");
            }
            Set<String> names = new HashSet<>();
            int calibrated = 0;
            for (Phase p : phases) {
                if (!names.add(p.name())) {
                    throw new IllegalArgumentException("two phases are named '" + p.name() + "'; give each phase its own "
                            + "name (it labels the phase's ledger records)");
                }
                if (p.calibrated()) {
                    calibrated++;
                }
            }
            if (Double.isNaN(delta)) {
                throw new IllegalArgumentException("set budget(epsilon, delta), or delta(d) when every phase has a fixed sigma");
            }
            if (calibrated > 0 && Double.isNaN(epsilon)) {
                throw new IllegalArgumentException(calibrated + " phase(s) have no fixed noise multiplier: set "
                        + "budget(epsilon, delta) so that they can be calibrated, or give each a noiseMultiplier");
            }
            if (calibrated > 0) {
                split.values(calibrated);
            }
            return new Schedule(this);
        }
    }
}
