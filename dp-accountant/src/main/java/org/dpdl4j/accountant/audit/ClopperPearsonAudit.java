package org.dpdl4j.accountant.audit;

import java.util.Arrays;
import org.apache.commons.math3.distribution.BetaDistribution;

/**
 * The classic multi-run privacy audit (Jagielski, Ullman &amp; Oprea 2020; Nasr et al. 2021): train many
 * times on a dataset D and many times on a neighbour D', let a distinguisher say "D'" or "D" for each
 * run, and bound its false-positive rate (saying D' on a run of D) and false-negative rate (saying D on
 * a run of D') from above with exact Clopper–Pearson intervals. An (ε, δ)-DP mechanism forces
 * FPR + e^ε·FNR ≥ 1 − δ and FNR + e^ε·FPR ≥ 1 − δ, so
 * ε ≥ max(ln((1 − δ − FPR̄)/FNR̄), ln((1 − δ − FNR̄)/FPR̄)) with probability at least 1 − significance
 * (each one-sided interval at significance/2, joined by a union bound).
 *
 * <p>Privacy assumption: the runs are independent executions of the same mechanism on D and on D', and
 * the distinguisher and its threshold were fixed before the runs it is evaluated on (or several
 * thresholds are tried with {@link #epsilonLowerBound(double[], double[], double[], double, double)},
 * which pays for the choice with a Bonferroni correction).
 */
public final class ClopperPearsonAudit {

    private ClopperPearsonAudit() {
    }

    /**
     * One-sided upper confidence bound on a binomial proportion: the p with P[Binom(n, p) ≤ x] = α
     * (1 when x = n).
     */
    public static double upperBound(int successes, int trials, double alpha) {
        checkCounts(successes, trials);
        checkLevel(alpha, "alpha");
        if (successes == trials) {
            return 1.0;
        }
        return new BetaDistribution(null, successes + 1.0, (double) trials - successes).inverseCumulativeProbability(1 - alpha);
    }

    /** One-sided lower confidence bound on a binomial proportion (0 when x = 0). */
    public static double lowerBound(int successes, int trials, double alpha) {
        checkCounts(successes, trials);
        checkLevel(alpha, "alpha");
        if (successes == 0) {
            return 0.0;
        }
        return new BetaDistribution(null, successes, trials - successes + 1.0).inverseCumulativeProbability(alpha);
    }

    /**
     * The ε lower bound from one fixed distinguisher.
     *
     * @param falsePositives runs on D that the distinguisher called D'
     * @param runsOnD runs on D
     * @param falseNegatives runs on D' that it called D
     * @param runsOnNeighbour runs on D'
     * @param delta the δ of the hypothesis "(ε, δ)-DP"
     * @param significance e.g. 0.05 for 95% confidence
     * @return the bound, 0 when nothing can be proved
     */
    public static double epsilonLowerBound(int falsePositives, int runsOnD, int falseNegatives, int runsOnNeighbour,
                                           double delta, double significance) {
        checkDelta(delta);
        checkLevel(significance, "significance");
        double fpr = upperBound(falsePositives, runsOnD, significance / 2);
        double fnr = upperBound(falseNegatives, runsOnNeighbour, significance / 2);
        return Math.max(0.0, Math.max(logRatio(1 - delta - fnr, fpr), logRatio(1 - delta - fpr, fnr)));
    }

    private static double logRatio(double numerator, double denominator) {
        return numerator <= 0 ? 0.0 : Math.log(numerator / denominator);
    }

    /**
     * The best ε lower bound over several thresholds of a score, paid for with a Bonferroni correction:
     * each threshold is evaluated at {@code significance / thresholds.length}, so the maximum is still a
     * valid bound at {@code significance}. A run is called D' when its score is strictly above the
     * threshold.
     *
     * @param scoresOnD the distinguisher's score of every run on D
     * @param scoresOnNeighbour the score of every run on D'
     * @param thresholds fixed before looking at the scores
     */
    public static Result epsilonLowerBound(double[] scoresOnD, double[] scoresOnNeighbour, double[] thresholds,
                                           double delta, double significance) {
        if (scoresOnD.length == 0 || scoresOnNeighbour.length == 0) {
            throw new IllegalArgumentException("need at least one run on each dataset, got " + scoresOnD.length + " and "
                    + scoresOnNeighbour.length);
        }
        if (thresholds.length == 0) {
            throw new IllegalArgumentException("need at least one threshold");
        }
        for (double[] a : new double[][] {scoresOnD, scoresOnNeighbour, thresholds}) {
            for (double v : a) {
                if (Double.isNaN(v)) {
                    throw new IllegalArgumentException("scores and thresholds must not be NaN");
                }
            }
        }
        checkLevel(significance, "significance");
        double each = significance / thresholds.length;
        Result best = null;
        for (double t : thresholds) {
            int fp = (int) Arrays.stream(scoresOnD).filter(s -> s > t).count();
            int fn = (int) Arrays.stream(scoresOnNeighbour).filter(s -> s <= t).count();
            double eps = epsilonLowerBound(fp, scoresOnD.length, fn, scoresOnNeighbour.length, delta, each);
            if (best == null || eps > best.epsilon()) {
                best = new Result(eps, t, fp, scoresOnD.length, fn, scoresOnNeighbour.length);
            }
        }
        return best;
    }

    /**
     * A bound and the threshold that gave it.
     *
     * <p>Privacy assumption: as for the enclosing audit; the bound is valid at the stated significance only
     * because the threshold was chosen from a list fixed in advance, with the Bonferroni correction.
     *
     * @param epsilon the ε lower bound (0 when nothing is proved)
     * @param threshold the score threshold above which a run is called D'
     * @param falsePositives runs on D called D'
     * @param runsOnD runs on D
     * @param falseNegatives runs on D' called D
     * @param runsOnNeighbour runs on D'
     */
    public record Result(double epsilon, double threshold, int falsePositives, int runsOnD, int falseNegatives,
                         int runsOnNeighbour) {
    }

    private static void checkCounts(int successes, int trials) {
        if (trials < 1) {
            throw new IllegalArgumentException("need at least one trial, got " + trials);
        }
        if (successes < 0 || successes > trials) {
            throw new IllegalArgumentException("successes must be in [0, " + trials + "], got " + successes);
        }
    }

    private static void checkLevel(double level, String name) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException(name + " must be in (0, 1), got " + level);
        }
    }

    private static void checkDelta(double delta) {
        if (!(delta >= 0 && delta < 1)) {
            throw new IllegalArgumentException("delta must be in [0, 1), got " + delta);
        }
    }
}
