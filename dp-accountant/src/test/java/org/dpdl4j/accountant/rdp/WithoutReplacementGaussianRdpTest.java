package org.dpdl4j.accountant.rdp;

import static org.dpdl4j.accountant.rdp.HighPrecision.MC;
import static org.dpdl4j.accountant.rdp.HighPrecision.bd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WithoutReplacementGaussianRdpTest {

    /** WBK19 Thm. 9 (ε(∞) = ∞) evaluated in 60-digit arithmetic. */
    private static double logAExact(double gamma, double sigma, long alpha) {
        BigDecimal g = bd(gamma);
        BigDecimal twoS2 = bd(sigma).pow(2).multiply(BigDecimal.valueOf(2));
        BigDecimal eEps2 = HighPrecision.exp(BigDecimal.valueOf(2).divide(twoS2, MC));
        BigDecimal four = BigDecimal.valueOf(4).multiply(eEps2.subtract(BigDecimal.ONE), MC);
        BigDecimal two = BigDecimal.valueOf(2).multiply(eEps2, MC);
        BigDecimal sum = BigDecimal.ONE.add(g.pow(2).multiply(HighPrecision.binomial(alpha, 2), MC)
                .multiply(four.min(two), MC), MC);
        for (long i = 3; i <= alpha; i++) {
            BigDecimal expo = BigDecimal.valueOf((i - 1) * i).divide(twoS2, MC);
            sum = sum.add(BigDecimal.valueOf(2).multiply(g.pow((int) i, MC), MC)
                    .multiply(HighPrecision.binomial(alpha, i), MC).multiply(HighPrecision.exp(expo), MC), MC);
        }
        return Math.log(sum.doubleValue());
    }

    @ParameterizedTest
    @CsvSource({"0.0042666666666667, 0.55, 2", "0.0042666666666667, 0.55, 8", "0.01, 2.0, 32", "0.1, 3.0, 64",
        "0.5, 5.0, 16", "1e-4, 1.0, 128"})
    void integerOrdersMatchBigDecimal(double gamma, double sigma, long alpha) {
        double reference = logAExact(gamma, sigma, alpha);
        assertEquals(reference, WithoutReplacementGaussianRdp.logAInteger(gamma, sigma, alpha), 1e-12 * reference);
    }

    @Test
    void fractionalOrdersInterpolateTheCumulantBetweenIntegers() {
        double g = 0.01;
        double s = 1.5;
        double lo = WithoutReplacementGaussianRdp.rdp(g, s, 3) * 2;
        double hi = WithoutReplacementGaussianRdp.rdp(g, s, 4) * 3;
        assertEquals((0.75 * lo + 0.25 * hi) / 2.25, WithoutReplacementGaussianRdp.rdp(g, s, 3.25), 1e-15);
    }

    @Test
    void fullSampleIsTheGaussianMechanism() {
        assertEquals(8 / (2 * 0.25), WithoutReplacementGaussianRdp.rdp(1.0, 0.5, 8), 0);
    }

    @Test
    void growsWithTheSamplingFraction() {
        double prev = 0;
        for (double g : new double[] {1e-4, 1e-3, 1e-2, 0.1, 0.5}) {
            double r = WithoutReplacementGaussianRdp.rdp(g, 1.0, 8);
            assertTrue(r > prev, "rdp must grow with gamma");
            prev = r;
        }
    }
}
