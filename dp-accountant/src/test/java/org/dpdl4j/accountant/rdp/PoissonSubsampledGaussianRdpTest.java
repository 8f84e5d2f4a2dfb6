package org.dpdl4j.accountant.rdp;

import static org.dpdl4j.accountant.rdp.HighPrecision.MC;
import static org.dpdl4j.accountant.rdp.HighPrecision.bd;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class PoissonSubsampledGaussianRdpTest {

    /** BigDecimal evaluation of the binomial expansion: A_α − 1 to 60 digits. */
    private static BigDecimal aMinusOneExact(double q, double sigma, long alpha) {
        BigDecimal bq = bd(q);
        BigDecimal b1q = BigDecimal.ONE.subtract(bq);
        BigDecimal twoS2 = bd(sigma).pow(2).multiply(BigDecimal.valueOf(2));
        BigDecimal sum = BigDecimal.ZERO;
        for (long i = 0; i <= alpha; i++) {
            BigDecimal expo = BigDecimal.valueOf(i * i - i).divide(twoS2, MC);
            BigDecimal t = HighPrecision.binomial(alpha, i).multiply(bq.pow((int) i, MC), MC)
                    .multiply(b1q.pow((int) (alpha - i), MC), MC).multiply(HighPrecision.exp(expo), MC);
            sum = sum.add(t, MC);
        }
        return sum.subtract(BigDecimal.ONE, MC);
    }

    @ParameterizedTest
    @CsvSource({
        "0.0042666666666667, 1.1, 2",
        "0.0042666666666667, 1.1, 8",
        "0.0042666666666667, 1.1, 63",
        "0.01, 1.0, 32",
        "1e-6, 1.0, 27",
        "0.1, 2.0, 5",
        "0.5, 3.0, 128",
        "0.99, 5.0, 64",
        "1e-7, 0.5, 256",
        "0.01, 10.0, 1024",
    })
    void integerOrdersMatchBigDecimalReference(double q, double sigma, long alpha) {
        double reference = Math.log1p(aMinusOneExact(q, sigma, alpha).doubleValue()) / (alpha - 1);
        double actual = PoissonSubsampledGaussianRdp.rdp(q, sigma, alpha);
        assertEquals(reference, actual, 1e-10 * reference, "q=" + q + " sigma=" + sigma + " alpha=" + alpha);
    }

    @ParameterizedTest
    @CsvSource({
        "0.0042666666666667, 1.1, 1.1",
        "0.0042666666666667, 1.1, 1.5",
        "0.0042666666666667, 1.1, 8.1",
        "0.0042666666666667, 1.1, 10.9",
        "0.01, 2.5, 1.5",
        "0.01, 2.5, 2.5",
        "1e-4, 1.0, 1.5",
        "0.1, 2.0, 10.9",
        "0.5, 1.5, 3.3",
        "0.01, 10.0, 20.5",
        "0.2, 0.8, 4.7",
        "0.01, 1.0, 7.8",
        // integer orders through the same independent reference
        "0.0042666666666667, 1.1, 8",
        "0.2, 0.8, 5",
    })
    void ordersMatchQuadratureReference(double q, double sigma, double alpha) {
        double reference = Math.log1p(RdpQuadrature.aMinusOne(q, sigma, alpha)) / (alpha - 1);
        double actual = PoissonSubsampledGaussianRdp.rdp(q, sigma, alpha);
        assertEquals(reference, actual, 1e-9 * reference, "q=" + q + " sigma=" + sigma + " alpha=" + alpha);
    }

    /** Values from TensorFlow Privacy's RDP tests (given to 1e-5). */
    @Test
    void matchesPublishedTensorFlowPrivacyValues() {
        assertEquals(0.07737, 10 * PoissonSubsampledGaussianRdp.rdp(0.1, 2, 5), 1e-5);
        double[] orders = {1.5, 2.5, 5, 50, 100};
        double[] expected = {0.00065, 0.001085, 0.00218075, 0.023846, 167.416307};
        for (int k = 0; k < orders.length; k++) {
            assertEquals(expected[k], 50 * PoissonSubsampledGaussianRdp.rdp(0.01, 2.5, orders[k]), 1e-5,
                    "order " + orders[k]);
        }
        assertEquals(Double.POSITIVE_INFINITY, PoissonSubsampledGaussianRdp.rdp(0.01, 2.5, Double.POSITIVE_INFINITY));
    }

    @Test
    void fullBatchIsTheGaussianMechanism() {
        assertEquals(20 / (2 * 1.0), PoissonSubsampledGaussianRdp.rdp(1.0, 1.0, 20), 0);
        assertEquals(0.1, PoissonSubsampledGaussianRdp.rdp(1.0, 10, 20), 1e-15);
    }

    @Test
    void extremeParametersStayFiniteAndPositive() {
        double[][] cases = {{1e-7, 0.1, 1.01}, {1e-6, 0.1, 256}, {1e-5, 0.1, 256.1}, {0.99, 0.1, 256},
            {0.999, 100, 256.1}, {0.1, 100, 20.5}};
        for (double[] c : cases) {
            double r = PoissonSubsampledGaussianRdp.rdp(c[0], c[1], c[2]);
            assertTrue(r >= 0 && !Double.isNaN(r), "rdp for " + java.util.Arrays.toString(c) + " = " + r);
            // never above the unsampled Gaussian (sampling only helps)
            assertTrue(r <= c[2] / (2 * c[1] * c[1]) * (1 + 1e-12), "subsampling cannot hurt: " + r);
        }
    }

    @Test
    void rejectsOrdersAtOrBelowOne() {
        assertThrows(IllegalArgumentException.class, () -> PoissonSubsampledGaussianRdp.rdp(0.1, 1, 1.0));
        assertThrows(IllegalArgumentException.class, () -> PoissonSubsampledGaussianRdp.rdp(0.1, 1, Double.NaN));
    }
}
