package org.dpdl4j.accountant.pld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FftTest {

    /** Naive O(N²) DFT, the reference. */
    private static double[][] naiveDft(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        double[] outRe = new double[n];
        double[] outIm = new double[n];
        double sign = inverse ? 1 : -1;
        for (int k = 0; k < n; k++) {
            double sr = 0;
            double si = 0;
            for (int j = 0; j < n; j++) {
                double a = sign * 2 * Math.PI * ((long) k * j % n) / n;
                double c = Math.cos(a);
                double s = Math.sin(a);
                sr += re[j] * c - im[j] * s;
                si += re[j] * s + im[j] * c;
            }
            outRe[k] = inverse ? sr / n : sr;
            outIm[k] = inverse ? si / n : si;
        }
        return new double[][] {outRe, outIm};
    }

    @Test
    void complexTransformMatchesNaiveDft() {
        Random rnd = new Random(1);
        for (int n : new int[] {1, 2, 4, 8, 16, 64, 256, 1024}) {
            double[] re = new double[n];
            double[] im = new double[n];
            for (int i = 0; i < n; i++) {
                re[i] = rnd.nextGaussian();
                im[i] = rnd.nextGaussian();
            }
            for (boolean inverse : new boolean[] {false, true}) {
                double[][] expected = naiveDft(re, im, inverse);
                double[] r = re.clone();
                double[] i = im.clone();
                Fft.complex(r, i, inverse);
                double tol = 1e-12 * Math.max(1, inverse ? 1 : n);
                for (int k = 0; k < n; k++) {
                    assertEquals(expected[0][k], r[k], tol, "re n=" + n + " k=" + k);
                    assertEquals(expected[1][k], i[k], tol, "im n=" + n + " k=" + k);
                }
            }
        }
    }

    @Test
    void realTransformMatchesNaiveDftAndInverts() {
        Random rnd = new Random(2);
        for (int n : new int[] {2, 4, 8, 32, 128, 512, 2048}) {
            double[] x = new double[n];
            for (int i = 0; i < n; i++) {
                x[i] = rnd.nextDouble();
            }
            double[][] expected = naiveDft(x, new double[n], false);
            double[][] half = Fft.realForward(x);
            assertEquals(n / 2 + 1, half[0].length);
            for (int k = 0; k <= n / 2; k++) {
                assertEquals(expected[0][k], half[0][k], 1e-11 * n, "re n=" + n + " k=" + k);
                assertEquals(expected[1][k], half[1][k], 1e-11 * n, "im n=" + n + " k=" + k);
            }
            double[] back = Fft.realInverse(half[0], half[1], n);
            for (int i = 0; i < n; i++) {
                assertEquals(x[i], back[i], 1e-13, "roundtrip n=" + n + " i=" + i);
            }
        }
    }

    @Test
    void circularConvolutionThroughSpectra() {
        double[] a = {0.5, 0.25, 0.25, 0, 0, 0, 0, 0};
        double[][] s = Fft.realForward(a);
        for (int k = 0; k < s[0].length; k++) {
            double r = s[0][k];
            double i = s[1][k];
            s[0][k] = r * r - i * i;
            s[1][k] = 2 * r * i;
        }
        double[] conv = Fft.realInverse(s[0], s[1], 8);
        double[] expected = {0.25, 0.25, 0.3125, 0.125, 0.0625, 0, 0, 0};
        for (int i = 0; i < 8; i++) {
            assertEquals(expected[i], conv[i], 1e-15);
        }
    }

    @Test
    void rejectsSizesThatAreNotPowersOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> Fft.complex(new double[3], new double[3], false));
        assertThrows(IllegalArgumentException.class, () -> Fft.realForward(new double[6]));
        assertEquals(8, Fft.nextPowerOfTwo(5));
        assertEquals(1, Fft.nextPowerOfTwo(1));
    }
}
