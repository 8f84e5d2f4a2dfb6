package org.dpdl4j.core.training;

import java.nio.file.Path;
import java.util.List;

/**
 * What a DP training run guarantees and how: ε at δ from the ledger, with the settings an auditor
 * needs to check it.
 *
 * <p>Privacy assumption: ε covers the trained parameters under the sampling's neighbouring relation.
 * It does not cover non-private diagnostics (the training loss) or hyperparameter tuning on private data.
 *
 * @param epsilon ε spent so far at {@link #delta()}
 * @param delta δ
 * @param accountant accountant name
 * @param steps steps taken (noise-only steps included)
 * @param noiseMultiplier σ used
 * @param clipping clipping description
 * @param sampling sampler description with its neighbouring relation
 * @param secure true when noise and sampling came from a CSPRNG; false in seeded mode
 * @param ledger the ledger file
 * @param ledgerHeadHash SHA-256 hash of the ledger's last record; keep it where the ledger's writer
 *     cannot change it, so any later edit of the file is detectable
 * @param stoppedByBudget true when training stopped before a step that would exceed the budget
 * @param notes accountant notes and warnings
 */
public record PrivacyReport(double epsilon, double delta, String accountant, long steps, double noiseMultiplier,
                            String clipping, String sampling, boolean secure, Path ledger, String ledgerHeadHash,
                            boolean stoppedByBudget,
                            List<String> notes) {

    public PrivacyReport {
        notes = List.copyOf(notes);
    }

    /**
     * The notes a report of ε from a ledger carries: the accountant's own, the ε of earlier runs when the
     * ledger already held records before this run ({@code priorEpsilon} &gt; 0, so the reported ε is not this
     * run's alone), and a warning when noise and sampling were seeded.
     */
    public static List<String> notes(org.dpdl4j.accountant.EpsilonResult epsilon, double priorEpsilon, boolean secure) {
        List<String> notes = new java.util.ArrayList<>(epsilon.notes());
        if (priorEpsilon > 0) {
            notes.add(String.format(java.util.Locale.ROOT, "includes earlier spend in the same ledger (eps=%.4f alone)",
                    priorEpsilon));
        }
        if (!secure) {
            notes.add("SEEDED noise and sampling: reproducible, NOT a private release");
        }
        return notes;
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT,
                "(ε=%.4f, δ=%.1e) by %s after %d steps; σ=%.4f, %s, %s%s%s; ledger %s (head %s)", epsilon, delta,
                accountant, steps, noiseMultiplier, clipping, sampling, secure ? "" : "; SEEDED (not secure) noise",
                stoppedByBudget ? "; stopped by budget" : "", ledger, ledgerHeadHash);
    }
}
