package org.dpdl4j.accountant.rdp;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/** 60-digit BigDecimal reference arithmetic for the accountant tests. */
final class HighPrecision {

    static final MathContext MC = new MathContext(60, RoundingMode.HALF_EVEN);
    private static final BigDecimal E = expSmall(BigDecimal.ONE);

    private HighPrecision() {
    }

    /** e^x for any x, by e^floor(x) · e^frac(x). */
    static BigDecimal exp(BigDecimal x) {
        if (x.signum() < 0) {
            return BigDecimal.ONE.divide(exp(x.negate()), MC);
        }
        BigDecimal n = x.setScale(0, RoundingMode.FLOOR);
        BigDecimal f = x.subtract(n);
        return E.pow(n.intValueExact(), MC).multiply(expSmall(f), MC);
    }

    /** Taylor series, for 0 ≤ x ≤ 1. */
    private static BigDecimal expSmall(BigDecimal x) {
        BigDecimal sum = BigDecimal.ONE;
        BigDecimal term = BigDecimal.ONE;
        for (int k = 1; k < 200; k++) {
            term = term.multiply(x, MC).divide(BigDecimal.valueOf(k), MC);
            sum = sum.add(term, MC);
            if (term.signum() == 0 || term.abs().compareTo(BigDecimal.ONE.movePointLeft(70)) < 0) {
                break;
            }
        }
        return sum;
    }

    static BigDecimal binomial(long n, long k) {
        BigDecimal c = BigDecimal.ONE;
        for (long i = 1; i <= k; i++) {
            c = c.multiply(BigDecimal.valueOf(n - k + i)).divide(BigDecimal.valueOf(i), MC);
        }
        return c;
    }

    static BigDecimal bd(double x) {
        return new BigDecimal(x);
    }
}
