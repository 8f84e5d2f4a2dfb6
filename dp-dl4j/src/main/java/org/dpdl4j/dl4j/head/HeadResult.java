package org.dpdl4j.dl4j.head;

import org.dpdl4j.core.training.PrivacyReport;

/**
 * What {@link HeadTrainer} produced: the trained head and the guarantee of the whole ledger after it.
 *
 * <p>Privacy assumption: {@link #report()}'s ε covers the head's parameters and everything else recorded
 * in the same ledger (DP statistics, DP-PCA) on the same data; it covers nothing computed outside it.
 *
 * @param head the trained head
 * @param report ε of the whole ledger at δ, with σ, C, sampling and the ledger path
 * @param priorEpsilon ε of what the ledger held before this run (0 when empty), at the same δ
 * @param seconds wall-clock training time
 */
public record HeadResult(PrivateLinearHead head, PrivacyReport report, double priorEpsilon, double seconds) {
}
