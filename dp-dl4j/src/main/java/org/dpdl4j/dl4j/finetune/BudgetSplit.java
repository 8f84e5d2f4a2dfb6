package org.dpdl4j.dl4j.finetune;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * How a schedule's total (ε, δ) is shared among its calibrated phases (those without a fixed σ), in
 * schedule order. Immutable.
 *
 * <ul>
 *   <li>{@link #fractions(double...)} (and {@link #equal()}): each phase k is first calibrated alone to
 *       ε_k = f_k·ε; then all these σ_k are multiplied by one common factor, the smallest for which the
 *       composition of every phase (and of whatever the ledger already holds) has ε ≤ the total under the
 *       tight PLD accountant. Composition is sub-additive in ε but adds δ, so the factor can be above or
 *       below 1; the fractions fix the phases' relative noise, the factor makes the total exact.</li>
 *   <li>{@link #perPhaseEpsilons(double...)}: each phase k is calibrated alone to the given ε_k; the
 *       composition must then be within the total, or planning fails saying by how much.</li>
 * </ul>
 *
 * <p>Privacy assumption: the split is chosen without looking at the private data.
 */
public final class BudgetSplit {

    /** The two kinds of split. */
    public enum Kind { FRACTIONS, EQUAL, PER_PHASE_EPSILONS }

    private static final double SUM_TOLERANCE = 1e-9;

    private final Kind kind;
    private final double[] values;

    private BudgetSplit(Kind kind, double[] values) {
        this.kind = kind;
        this.values = values;
    }

    /** Fractions of ε, one per calibrated phase, each > 0, summing to 1. */
    public static BudgetSplit fractions(double... fractions) {
        Objects.requireNonNull(fractions, "fractions");
        if (fractions.length == 0) {
            throw new IllegalArgumentException("give one fraction per calibrated phase");
        }
        double sum = 0;
        for (double f : fractions) {
            if (!(f > 0) || f > 1) {
                throw new IllegalArgumentException("every fraction must lie in (0, 1], got " + Arrays.toString(fractions));
            }
            sum += f;
        }
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "fractions must sum to 1, got %s (sum %.12f); "
                    + "rescale them", Arrays.toString(fractions), sum));
        }
        return new BudgetSplit(Kind.FRACTIONS, fractions.clone());
    }

    /** The same fraction 1/K for each of the K calibrated phases. */
    public static BudgetSplit equal() {
        return new BudgetSplit(Kind.EQUAL, new double[0]);
    }

    /** A target ε for each calibrated phase alone; their composition must fit the total. */
    public static BudgetSplit perPhaseEpsilons(double... epsilons) {
        Objects.requireNonNull(epsilons, "epsilons");
        if (epsilons.length == 0) {
            throw new IllegalArgumentException("give one epsilon per calibrated phase");
        }
        for (double e : epsilons) {
            if (!(e > 0) || Double.isInfinite(e)) {
                throw new IllegalArgumentException("every per-phase epsilon must be finite and > 0, got "
                        + Arrays.toString(epsilons));
            }
        }
        return new BudgetSplit(Kind.PER_PHASE_EPSILONS, epsilons.clone());
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The fractions (for {@code FRACTIONS} and {@code EQUAL}) or per-phase ε, for {@code phases}
     * calibrated phases.
     *
     * @throws IllegalArgumentException if the split names another number of phases
     */
    public double[] values(int phases) {
        if (kind == Kind.EQUAL) {
            double[] f = new double[phases];
            Arrays.fill(f, 1.0 / phases);
            return f;
        }
        if (values.length != phases) {
            throw new IllegalArgumentException("the budget split has " + values.length + " entries but the schedule has "
                    + phases + " phase(s) without a fixed noise multiplier; give one entry per such phase, in order");
        }
        return values.clone();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case EQUAL -> "equal fractions";
            case FRACTIONS -> "fractions " + Arrays.toString(values);
            case PER_PHASE_EPSILONS -> "per-phase epsilons " + Arrays.toString(values);
        };
    }
}
