package org.dpdl4j.core.audit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a one-run canary audit: the ε the pipeline's accountant claims, and the empirical
 * lower bound the audit proved at the stated confidence from r guesses of which v were right.
 *
 * <p>Privacy assumption: the lower bound is a statement about the audited run's mechanism. A bound
 * above the claim means the claim is false (with probability at least 1 − significance); a bound below
 * it proves nothing about the claim being right.
 *
 * @param audit what was audited and how (canary kind, pipeline)
 * @param claimedEpsilon ε reported by the pipeline's accountant at {@code delta}
 * @param delta δ of the claim and of the audit's hypothesis
 * @param epsilonLowerBound the largest ε rejected at {@code significance} (0 when none)
 * @param significance 0.05 for a 95% bound
 * @param canaries m
 * @param included canaries actually inserted (the rest are the "excluded" half)
 * @param guesses r
 * @param correct v
 * @param mechanism the pipeline's own description of its sampling, noise and accounting
 * @param notes diagnostics (e.g. canaries that left the clipped regime)
 */
public record AuditResult(String audit, double claimedEpsilon, double delta, double epsilonLowerBound,
                          double significance, int canaries, int included, int guesses, int correct, String mechanism,
                          List<String> notes) {

    public AuditResult {
        notes = List.copyOf(notes);
    }

    /** Whether the audit refuted the claim: the empirical lower bound is above the claimed ε. */
    public boolean exceedsClaim() {
        return epsilonLowerBound > claimedEpsilon;
    }

    /** The result as one JSON object (snake_case keys). */
    public String toJson() {
        Map<String, Object> counts = new LinkedHashMap<>();
        counts.put("canaries", canaries);
        counts.put("included", included);
        counts.put("guesses", guesses);
        counts.put("correct", correct);
        return AuditJson.write(audit, claimedEpsilon, epsilonLowerBound, delta, significance, counts, mechanism, notes);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: claimed eps %.4f, audited lower bound %.4f (%.0f%%, delta %.1e), "
                + "m=%d (%d included), r=%d, v=%d", audit, claimedEpsilon, epsilonLowerBound, 100 * (1 - significance),
                delta, canaries, included, guesses, correct);
    }
}
