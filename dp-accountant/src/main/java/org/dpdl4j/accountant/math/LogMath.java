package org.dpdl4j.accountant.math;

import org.apache.commons.math3.special.Erf;

/**
 * Log-space arithmetic and Gaussian tail functions that stay accurate where the plain values under- or
 * overflow. Accountants work in log space so that ε in the hundreds and tail masses of 1e-300 do not
 * turn into ∞ or 0.
 */
public final class LogMath {

    private static final double LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
    private static final double SQRT2 = Math.sqrt(2.0);

    private LogMath() {
    }

    /** log(e^a + e^b), exact for infinite arguments. */
    public static double logAdd(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) {
            return b;
        }
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        double hi = Math.max(a, b);
        double lo = Math.min(a, b);
        return hi + Math.log1p(Math.exp(lo - hi));
    }

    /**
     * log(e^a − e^b) for a ≥ b.
     *
     * @throws ArithmeticException if b &gt; a (the difference would be negative)
     */
    public static double logSub(double a, double b) {
        if (b == Double.NEGATIVE_INFINITY) {
            return a;
        }
        if (b > a) {
            throw new ArithmeticException("logSub: log of a negative number (a=" + a + ", b=" + b + ")");
        }
        if (a == b) {
            return Double.NEGATIVE_INFINITY;
        }
        double d = b - a;
        // log(1 - e^d): use log(-expm1(d)) near 0 and log1p(-e^d) far from it, each accurate in its range.
        return a + (d > -0.6931471805599453 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
    }

    /** log(erfc(x)), accurate (≈1e-15 relative) for all finite x, including x ≫ 27 where erfc underflows. */
    public static double logErfc(double x) {
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        if (x == Double.POSITIVE_INFINITY) {
            return Double.NEGATIVE_INFINITY;
        }
        if (x < 3.0) {
            return Math.log(Erf.erfc(x));
        }
        // Continued fraction erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
        // evaluated with the modified Lentz method; converges fast for x >= 3.
        final double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int n = 1; n < 500; n++) {
            double an = n / 2.0;
            d = x + an * d;
            d = Math.abs(d) < tiny ? tiny : d;
            c = x + an / c;
            c = Math.abs(c) < tiny ? tiny : c;
            d = 1.0 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1.0) < 1e-16) {
                break;
            }
        }
        return -x * x - LOG_SQRT_PI - Math.log(f);
    }

    /** log Φ(x) for the standard normal CDF Φ, accurate in both tails. */
    public static double logNormalCdf(double x) {
        return Math.log(0.5) + logErfc(-x / SQRT2);
    }

    /** log(1 − Φ(x)), the log survival function of the standard normal, accurate in both tails. */
    public static double logNormalSf(double x) {
        return Math.log(0.5) + logErfc(x / SQRT2);
    }

    /** Φ(x), the standard normal CDF, with full relative accuracy in the lower tail. */
    public static double normalCdf(double x) {
        return x < -5 ? Math.exp(logNormalCdf(x)) : 0.5 * Erf.erfc(-x / SQRT2);
    }

    /** 1 − Φ(x) with full relative accuracy in the upper tail. */
    public static double normalSf(double x) {
        return normalCdf(-x);
    }

    /** log(sum exp(v[i])), stable. */
    public static double logSumExp(double[] v) {
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            max = Math.max(max, x);
        }
        if (max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
            return max;
        }
        double s = 0;
        for (double x : v) {
            s += Math.exp(x - max);
        }
        return max + Math.log(s);
    }
}
