package org.dpdl4j.core.audit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a two-dataset audit: the claim, and the Clopper–Pearson lower bound on ε from the
 * distinguisher's errors at its best threshold (Bonferroni-corrected over the thresholds tried).
 *
 * <p>Privacy assumption: as for {@link AuditResult}, a bound above the claim refutes it at the stated
 * confidence; a bound below it proves nothing.
 *
 * @param audit what was audited and how
 * @param claimedEpsilon the larger of the claims on D and D' (per run or per step)
 * @param delta δ
 * @param epsilonLowerBound the bound, 0 when nothing is proved
 * @param significance 0.05 for 95%
 * @param trials trials per dataset
 * @param threshold the threshold that gave the bound
 * @param falsePositives trials on D scored above it
 * @param falseNegatives trials on D' scored at or below it
 * @param mechanism the pipeline's own description of its sampling, noise and accounting
 * @param notes details
 */
public record DistinguishingAuditResult(String audit, double claimedEpsilon, double delta, double epsilonLowerBound,
                                        double significance, int trials, double threshold, int falsePositives,
                                        int falseNegatives, String mechanism, List<String> notes) {

    public DistinguishingAuditResult {
        notes = List.copyOf(notes);
    }

    /** Whether the audit refuted the claim. */
    public boolean exceedsClaim() {
        return epsilonLowerBound > claimedEpsilon;
    }

    /** The result as one JSON object (snake_case keys). */
    public String toJson() {
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("trials_per_dataset", trials);
        counts.put("threshold", threshold);
        counts.put("false_positives", falsePositives);
        counts.put("false_negatives", falseNegatives);
        return AuditJson.write(audit, claimedEpsilon, epsilonLowerBound, delta, significance, counts, mechanism, notes);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: claimed eps %.4f, audited lower bound %.4f (%.0f%%, delta %.1e), "
                + "%d trials per dataset, threshold %.4g, FP %d, FN %d", audit, claimedEpsilon, epsilonLowerBound,
                100 * (1 - significance), delta, trials, threshold, falsePositives, falseNegatives);
    }
}
