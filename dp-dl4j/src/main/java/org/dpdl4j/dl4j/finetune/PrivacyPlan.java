package org.dpdl4j.dl4j.finetune;

import java.util.List;
import java.util.Locale;
import org.dpdl4j.accountant.event.DpEvent;

/**
 * The noise of every phase of a schedule and the guarantee they compose to, computed before any phase
 * runs (see {@link Schedule#plan(long, DpEvent)}).
 *
 * <p>Privacy assumption: the plan depends only on public quantities (n, the schedule, the ledger's
 * history), so computing and publishing it costs nothing; its ε holds only if the phases then run exactly
 * the planned events, which {@link FineTuner} checks.
 *
 * @param phases one entry per phase, in order
 * @param priorEpsilon ε of what the ledger held before (0 for an empty ledger)
 * @param totalEpsilon ε of the composition of the prior records and every phase (PLD accountant)
 * @param delta δ
 * @param budgetEpsilon the total ε budget, or NaN when none was set
 * @param accountant accountant name
 * @param scale the common factor applied to the fraction-calibrated σ's (1 otherwise)
 * @param composed the composed event of all phases (without the prior)
 */
public record PrivacyPlan(List<PlannedPhase> phases, double priorEpsilon, double totalEpsilon, double delta,
                          double budgetEpsilon, String accountant, double scale, DpEvent composed) {

    public PrivacyPlan {
        phases = List.copyOf(phases);
    }

    /**
     * One phase of the plan.
     *
     * @param name phase name
     * @param ledgerLabel label of its ledger records
     * @param noiseMultiplier σ the phase runs with
     * @param steps T
     * @param stepEvent the event of one step (what the ledger will record)
     * @param epsilonAlone ε of this phase alone at the plan's δ
     * @param calibrated true when σ came from the budget split
     */
    public record PlannedPhase(String name, String ledgerLabel, double noiseMultiplier, long steps, DpEvent stepEvent,
                               double epsilonAlone, boolean calibrated) {
    }

    /** The planned phase with this name. */
    public PlannedPhase phase(String name) {
        return phases.stream().filter(p -> p.name().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no phase '" + name + "' in the plan"));
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "plan: total eps=%.4f at delta=%.1e by %s%s%s",
                totalEpsilon, delta, accountant, Double.isNaN(budgetEpsilon) ? "" : String.format(Locale.ROOT,
                        " (budget %.4f)", budgetEpsilon), priorEpsilon > 0 ? String.format(Locale.ROOT,
                        ", including earlier ledger records (eps=%.4f alone)", priorEpsilon) : ""));
        for (PlannedPhase p : phases) {
            sb.append(String.format(Locale.ROOT, "%n  %s: sigma=%.4f, %d steps, eps alone=%.4f%s", p.name(),
                    p.noiseMultiplier(), p.steps(), p.epsilonAlone(), p.calibrated() ? "" : " (fixed sigma)"));
        }
        return sb.toString();
    }
}
