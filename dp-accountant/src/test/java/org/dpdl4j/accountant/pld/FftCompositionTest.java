package org.dpdl4j.accountant.pld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FftCompositionTest {

    private static double[] convolve(double[] a, double[] b) {
        double[] c = new double[a.length + b.length - 1];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < b.length; j++) {
                c[i + j] += a[i] * b[j];
            }
        }
        return c;
    }

    @Test
    void matchesDirectConvolutionWithinTheRoundoffEstimate() {
        DiscretePld a = ConnectTheDots.discretize(new SubsampledGaussianLoss(0.05, 0.8), 0.02, Math.log(1e-18), 1 << 20)
                .get(LossDirection.REMOVE);
        DiscretePld b = ConnectTheDots.discretize(new SubsampledGaussianLoss(1.0, 3.0), 0.02, Math.log(1e-18), 1 << 20)
                .get(LossDirection.REMOVE);
        int ca = 12;
        int cb = 5;
        double[] exact = {1.0};
        for (int t = 0; t < ca; t++) {
            exact = convolve(exact, a.pmfArray());
        }
        for (int t = 0; t < cb; t++) {
            exact = convolve(exact, b.pmfArray());
        }
        long offset = ca * a.offset() + cb * b.offset();
        ComposedPld c = FftComposition.compose(List.of(a, b), new long[] {ca, cb}, Math.log(1e-15), Math.log(1e-15),
                1 << 20);
        double sumAbs = 0;
        double maxAbs = 0;
        double outside = 0;
        for (int i = 0; i < exact.length; i++) {
            long k = offset + i;
            if (k < c.windowStart() || k >= c.windowStart() + c.windowSize()) {
                outside += exact[i];
            }
        }
        for (int i = 0; i < c.windowSize(); i++) {
            long k = c.windowStart() + i - offset;
            double e = k >= 0 && k < exact.length ? exact[(int) k] : 0.0;
            sumAbs += Math.abs(c.pmf(i) - e);
            maxAbs = Math.max(maxAbs, Math.abs(c.pmf(i) - e));
        }
        assertTrue(sumAbs <= c.roundoffMass(), "round-off " + sumAbs + " vs estimate " + c.roundoffMass());
        assertTrue(maxAbs <= c.noisePerEntry(), "entry round-off " + maxAbs + " vs estimate " + c.noisePerEntry());
        assertTrue(outside <= c.aliasedMassBound(), "outside mass " + outside + " vs bound " + c.aliasedMassBound());
        // 1 − Π(1 − p)^c, which for tiny masses is Σ c·p to first order.
        double infinity = ca * a.infinityMass() + cb * b.infinityMass();
        assertTrue(infinity > 0);
        assertEquals(infinity, c.infinityMass(), 1e-6 * infinity);
    }

    @Test
    void roundoffEstimateCoversSpikyDistributions() {
        // Small q: most mass sits in one spike, so the spectrum stays large at high frequencies.
        DiscretePld a = ConnectTheDots.discretize(new SubsampledGaussianLoss(0.05, 0.8), 0.01, Math.log(1e-18), 1 << 20)
                .get(LossDirection.REMOVE);
        int count = 25;
        double[] exact = {1.0};
        for (int t = 0; t < count; t++) {
            exact = convolve(exact, a.pmfArray());
        }
        ComposedPld c = FftComposition.compose(List.of(a), new long[] {count}, Math.log(1e-15), Math.log(1e-15), 1 << 20);
        double maxAbs = 0;
        for (int i = 0; i < c.windowSize(); i++) {
            long k = c.windowStart() + i - count * a.offset();
            double e = k >= 0 && k < exact.length ? exact[(int) k] : 0.0;
            maxAbs = Math.max(maxAbs, Math.abs(c.pmf(i) - e));
        }
        assertTrue(maxAbs <= c.noisePerEntry(), "entry round-off " + maxAbs + " vs estimate " + c.noisePerEntry());
    }

    @Test
    void chernoffLevelsBoundTheExactTails() {
        DiscretePld a = ConnectTheDots.discretize(new SubsampledGaussianLoss(0.1, 1.0), 0.01, Math.log(1e-18), 1 << 20)
                .get(LossDirection.ADD);
        int count = 20;
        double[] exact = {1.0};
        for (int t = 0; t < count; t++) {
            exact = convolve(exact, a.pmfArray());
        }
        long offset = count * a.offset();
        for (double eta : new double[] {1e-3, 1e-8, 1e-12}) {
            double hi = ChernoffTails.upperLevel(List.of(a), new long[] {count}, Math.log(eta));
            double lo = ChernoffTails.lowerLevel(List.of(a), new long[] {count}, Math.log(eta));
            double above = 0;
            double below = 0;
            for (int i = 0; i < exact.length; i++) {
                double l = (offset + i) * a.gridStep();
                if (l >= hi) {
                    above += exact[i];
                }
                if (l <= lo) {
                    below += exact[i];
                }
            }
            assertTrue(above <= eta, "upper tail " + above + " > " + eta);
            assertTrue(below <= eta, "lower tail " + below + " > " + eta);
            assertTrue(hi > lo);
        }
    }

    @Test
    void binaryPoweringMatchesPolarPower() {
        Random rnd = new Random(3);
        double[] re = new double[200];
        double[] im = new double[200];
        for (int i = 0; i < re.length; i++) {
            double r = 0.999 + 0.001 * rnd.nextDouble();
            double t = 2 * Math.PI * rnd.nextDouble();
            re[i] = r * Math.cos(t);
            im[i] = r * Math.sin(t);
        }
        double[] r2 = re.clone();
        double[] i2 = im.clone();
        long c = 1237;
        FftComposition.power(r2, i2, c);
        for (int i = 0; i < re.length; i++) {
            double mod = Math.pow(Math.hypot(re[i], im[i]), c);
            double arg = c * Math.atan2(im[i], re[i]);
            assertEquals(mod * Math.cos(arg), r2[i], 1e-11);
            assertEquals(mod * Math.sin(arg), i2[i], 1e-11);
        }
    }
}
