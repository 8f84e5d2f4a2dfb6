package org.dpdl4j.accountant.audit;

import org.apache.commons.math3.distribution.BinomialDistribution;
import org.dpdl4j.accountant.PrivacyParameters;

/**
 * Empirical lower bound on ε from one training run (Steinke, Nasr &amp; Jagielski, NeurIPS 2023). m
 * canaries are each included with probability ½; after training, the auditor guesses "included" or
 * "excluded" for r of them (e.g. the top and bottom scores) and v guesses are right. If the run were
 * (ε, δ)-DP, the number of correct guesses would be stochastically dominated so that
 * P[V ≥ v] ≤ β + 2mδ·α with q = e^ε/(1+e^ε), β = P[Binom(r, q) ≥ v] and
 * α = max_{1 ≤ i ≤ v} (P[Binom(r, q) ≥ v − i] − β)/i (their Theorem 3.2). The audited lower bound is
 * the largest ε whose p-value is still ≤ the significance level: any smaller claimed ε is rejected.
 *
 * <p>Privacy assumption: canaries were included independently with probability ½ by the auditor's own
 * randomness, and the guesses were made from the released outputs only, before looking at inclusion.
 */
public final class OneRunAudit {

    private OneRunAudit() {
    }

    /**
     * The p-value of the hypothesis "(ε, δ)-DP" given v correct out of r guesses on m canaries.
     */
    public static double pValue(double epsilon, double delta, int canaries, int guesses, int correct) {
        check(canaries, guesses, correct);
        if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
            throw new IllegalArgumentException("epsilon must be a finite number >= 0, got " + epsilon);
        }
        if (!(delta >= 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in [0, 1), got " + delta);
        }
        if (correct == 0) {
            return 1.0;
        }
        double q = 1.0 / (1.0 + Math.exp(-epsilon));
        BinomialDistribution binom = new BinomialDistribution(null, guesses, q);
        double beta = upperTail(binom, correct);
        double alpha = 0;
        if (delta > 0) {
            for (int i = 1; i <= correct; i++) {
                alpha = Math.max(alpha, (upperTail(binom, correct - i) - beta) / i);
            }
        }
        return Math.min(1.0, beta + 2.0 * canaries * delta * alpha);
    }

    /** P[X ≥ k]. */
    private static double upperTail(BinomialDistribution b, int k) {
        return k <= 0 ? 1.0 : 1.0 - b.cumulativeProbability(k - 1);
    }

    /**
     * The largest ε rejected at the given significance: "(ε, δ)-DP" has p-value ≤ {@code significance}
     * for every ε below the returned value. 0 when even ε = 0 cannot be rejected.
     *
     * @param significance e.g. 0.05 for 95% confidence
     */
    public static double epsilonLowerBound(double delta, int canaries, int guesses, int correct, double significance) {
        check(canaries, guesses, correct);
        if (!(significance > 0 && significance < 1)) {
            throw new IllegalArgumentException("significance must be in (0, 1), got " + significance);
        }
        if (pValue(0, delta, canaries, guesses, correct) > significance) {
            return 0.0;
        }
        double lo = 0;
        double hi = 1;
        while (pValue(hi, delta, canaries, guesses, correct) <= significance) {
            lo = hi;
            hi *= 2;
            if (hi > 1e3) {
                return lo;
            }
        }
        for (int it = 0; it < 60; it++) {
            double mid = 0.5 * (lo + hi);
            if (pValue(mid, delta, canaries, guesses, correct) <= significance) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static void check(int canaries, int guesses, int correct) {
        if (canaries < 1) {
            throw new IllegalArgumentException("need at least one canary, got " + canaries);
        }
        if (guesses < 0 || guesses > canaries) {
            throw new IllegalArgumentException("guesses must be in [0, canaries=" + canaries + "], got " + guesses);
        }
        if (correct < 0 || correct > guesses) {
            throw new IllegalArgumentException("correct guesses must be in [0, guesses=" + guesses + "], got " + correct);
        }
    }

    /**
     * Scores canaries and makes the audit's guesses: "included" for the {@code guessIncluded} highest
     * scores, "excluded" for the {@code guessExcluded} lowest, abstaining on the rest.
     *
     * @return {guesses, correct}
     */
    public static int[] guess(double[] scores, boolean[] included, int guessIncluded, int guessExcluded) {
        if (scores.length != included.length) {
            throw new IllegalArgumentException("scores and inclusion flags differ in length: " + scores.length + " vs "
                    + included.length);
        }
        if (guessIncluded < 0 || guessExcluded < 0 || guessIncluded + guessExcluded > scores.length) {
            throw new IllegalArgumentException("guess counts must be >= 0 and sum to at most the number of canaries");
        }
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(scores[b], scores[a]));
        int correct = 0;
        for (int k = 0; k < guessIncluded; k++) {
            if (included[order[k]]) {
                correct++;
            }
        }
        for (int k = 0; k < guessExcluded; k++) {
            if (!included[order[order.length - 1 - k]]) {
                correct++;
            }
        }
        return new int[] {guessIncluded + guessExcluded, correct};
    }
}
