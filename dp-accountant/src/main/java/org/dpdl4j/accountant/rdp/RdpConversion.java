package org.dpdl4j.accountant.rdp;

import java.util.ArrayList;
import java.util.List;

/**
 * Conversion of an RDP curve to (ε, δ)-DP.
 *
 * <p>ε uses the improved conversion of Balle et al. 2020 (Prop. 12 of arXiv:2004.00010v4; also
 * Canonne, Kamath &amp; Steinke 2020): ε = min_α [ r(α) + log(1 − 1/α) − (log δ + log α)/(α − 1) ], which
 * is what Opacus ≥ 1.0 and dp_accounting report. δ takes the smaller of that bound inverted and the
 * KL bound δ ≤ sqrt(1 − e^{−r(α)}) (valid because r(α) ≥ KL for α ≥ 1).
 */
public final class RdpConversion {

    /** Method statement included in every result so that a reader knows which conversion was used. */
    public static final String METHOD = "RDP->(eps,delta) by the improved conversion of Balle et al. 2020 "
            + "(eps = r(a) + log(1-1/a) - (log(delta) + log(a))/(a-1))";

    private RdpConversion() {
    }

    /** ε, the order achieving it, and notes. */
    public record Conversion(double epsilon, double order, List<String> notes) {
    }

    /**
     * Best ε over the orders.
     *
     * @param orders sorted orders, all &gt; 1
     * @param rdp RDP values at those orders (≥ 0, may be +∞)
     * @param delta δ in (0, 1)
     */
    public static Conversion epsilon(double[] orders, double[] rdp, double delta) {
        if (allZero(rdp)) {
            // No mechanism ran: the conversion formula would still add a slack term, but the true ε is 0.
            return new Conversion(0.0, Double.NaN, List.of(METHOD, "no privacy loss recorded"));
        }
        double logDelta = Math.log(delta);
        double best = Double.POSITIVE_INFINITY;
        int bestIndex = -1;
        for (int k = 0; k < orders.length; k++) {
            double a = orders[k];
            double r = rdp[k];
            if (Double.isNaN(r) || r == Double.POSITIVE_INFINITY) {
                continue;
            }
            double eps = r + Math.log1p(-1 / a) - (logDelta + Math.log(a)) / (a - 1);
            if (eps < best) {
                best = eps;
                bestIndex = k;
            }
        }
        List<String> notes = new ArrayList<>();
        notes.add(METHOD);
        if (bestIndex < 0) {
            notes.add("RDP is infinite at every order: no finite epsilon");
            return new Conversion(Double.POSITIVE_INFINITY, Double.NaN, notes);
        }
        if (orders.length > 1 && (bestIndex == 0 || bestIndex == orders.length - 1)) {
            notes.add("warning: the best order " + orders[bestIndex] + " is at the "
                    + (bestIndex == 0 ? "lower" : "upper") + " edge of the order grid ["
                    + orders[0] + ", " + orders[orders.length - 1] + "]; extend the grid, epsilon may be smaller");
        }
        return new Conversion(Math.max(0.0, best), orders[bestIndex], notes);
    }

    private static boolean allZero(double[] rdp) {
        for (double r : rdp) {
            if (r != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Smallest δ bound over the orders at the given ε.
     *
     * @param epsilon ε ≥ 0
     */
    public static double delta(double[] orders, double[] rdp, double epsilon) {
        double bestLog = 0.0; // δ ≤ 1 always
        for (int k = 0; k < orders.length; k++) {
            double a = orders[k];
            double r = rdp[k];
            if (Double.isNaN(r) || r == Double.POSITIVE_INFINITY) {
                continue;
            }
            double logDelta = r == 0 ? Double.NEGATIVE_INFINITY : 0.5 * Math.log1p(-Math.exp(-r));
            if (a > 1.01) {
                // Not stable as α → 1, and never the better bound there.
                double bound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
                logDelta = Math.min(logDelta, bound);
            }
            bestLog = Math.min(bestLog, logDelta);
        }
        return Math.exp(bestLog);
    }
}
