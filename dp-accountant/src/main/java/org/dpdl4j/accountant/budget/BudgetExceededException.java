package org.dpdl4j.accountant.budget;

/**
 * A spend was refused because the history plus the requested steps would exceed the budget's ε at its δ.
 * Nothing was recorded; the message gives the current ε, the ε the spend would reach, the budget and what
 * to change.
 *
 * <p>Privacy assumption: the ε values are the accountant's upper bounds; the true loss may be lower, but a
 * spend is only allowed when the bound fits.
 */
public final class BudgetExceededException extends RuntimeException {

    private final double currentEpsilon;
    private final double resultingEpsilon;
    private final double epsilonBudget;

    BudgetExceededException(String mechanism, long steps, String eventKind, double currentEpsilon,
                            double resultingEpsilon, double epsilonBudget, double delta, String accountant) {
        super("privacy budget exceeded: recording " + steps + " step(s) of " + eventKind + " for '" + mechanism
                + "' would raise epsilon from " + currentEpsilon + " to " + resultingEpsilon + " at delta=" + delta
                + " (" + accountant + " accountant), above the budget epsilon=" + epsilonBudget
                + ". Nothing was recorded. To continue, spend fewer steps (PrivacyBudget.maxAdditionalSteps says how "
                + "many fit), raise the noise multiplier or lower the sampling rate; raise the budget only if your "
                + "privacy policy allows it");
        this.currentEpsilon = currentEpsilon;
        this.resultingEpsilon = resultingEpsilon;
        this.epsilonBudget = epsilonBudget;
    }

    /** ε of the recorded history (0 when nothing is recorded). */
    public double currentEpsilon() {
        return currentEpsilon;
    }

    /** ε the history would have reached with the refused steps. */
    public double resultingEpsilon() {
        return resultingEpsilon;
    }

    /** The budget's ε. */
    public double epsilonBudget() {
        return epsilonBudget;
    }
}
