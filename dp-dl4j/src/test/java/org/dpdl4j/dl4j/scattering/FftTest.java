package org.dpdl4j.dl4j.scattering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FftTest {

    /** Direct O(n²) DFT of `count` interleaved sequences. */
    static void naive(double[] re, double[] im, int n, int count, boolean inverse, double[] outRe, double[] outIm) {
        double sign = inverse ? 1 : -1;
        for (int q = 0; q < count; q++) {
            for (int k = 0; k < n; k++) {
                double ar = 0;
                double ai = 0;
                for (int t = 0; t < n; t++) {
                    double a = sign * 2 * Math.PI * ((long) k * t % n) / n;
                    double c = Math.cos(a);
                    double s = Math.sin(a);
                    ar += re[q + count * t] * c - im[q + count * t] * s;
                    ai += re[q + count * t] * s + im[q + count * t] * c;
                }
                outRe[q + count * k] = ar;
                outIm[q + count * k] = ai;
            }
        }
    }

    @Test
    void matchesTheDirectDftForEveryLengthUpTo64InBothDirections() {
        Random rnd = new Random(3);
        for (int n = 1; n <= 64; n++) {
            for (int count : new int[] {1, 3}) {
                for (boolean inverse : new boolean[] {false, true}) {
                    double[] re = new double[n * count];
                    double[] im = new double[n * count];
                    for (int i = 0; i < re.length; i++) {
                        re[i] = rnd.nextGaussian();
                        im[i] = rnd.nextGaussian();
                    }
                    double[] er = new double[re.length];
                    double[] ei = new double[re.length];
                    naive(re, im, n, count, inverse, er, ei);
                    new Fft(n, inverse).transform(re, im, count, new double[re.length], new double[re.length]);
                    double tol = 1e-12 * n * Math.sqrt(n);
                    for (int i = 0; i < re.length; i++) {
                        assertEquals(er[i], re[i], tol, "n=" + n + " count=" + count + " inverse=" + inverse + " i=" + i);
                        assertEquals(ei[i], im[i], tol, "n=" + n + " count=" + count + " inverse=" + inverse + " i=" + i);
                    }
                }
            }
        }
    }

    @Test
    void factorsMultiplyBackAndPreferRadixFour() {
        for (int n = 1; n <= 500; n++) {
            int prod = 1;
            for (int p : Fft.factor(n)) {
                assertTrue(p >= 2, "factor of " + n);
                prod *= p;
            }
            assertEquals(n, prod);
        }
        assertArrayEquals(new int[] {4, 3, 3}, Fft.factor(36));
        assertArrayEquals(new int[] {2, 3, 3}, Fft.factor(18));
        assertArrayEquals(new int[] {97}, Fft.factor(97));
    }

    @Test
    void twoDimensionalInverseUndoesForwardAndMatchesSeparableDft() {
        Random rnd = new Random(5);
        for (int[] size : new int[][] {{36, 36}, {18, 18}, {9, 9}, {40, 48}, {7, 12}, {1, 5}}) {
            int r = size[0];
            int c = size[1];
            double[] re = new double[r * c];
            double[] im = new double[r * c];
            for (int i = 0; i < re.length; i++) {
                re[i] = rnd.nextGaussian();
                im[i] = rnd.nextGaussian();
            }
            double[] re0 = re.clone();
            double[] im0 = im.clone();
            Fft2 f = new Fft2(r, c);
            double[][] s = new double[4][r * c];
            f.forward(re, im, s[0], s[1], s[2], s[3]);
            // Entry (k, m) of the 2-D DFT, computed directly.
            int k = r / 2;
            int m = c > 1 ? 1 : 0;
            double er = 0;
            double ei = 0;
            for (int a = 0; a < r; a++) {
                for (int b = 0; b < c; b++) {
                    double ang = -2 * Math.PI * ((double) k * a / r + (double) m * b / c);
                    er += re0[a * c + b] * Math.cos(ang) - im0[a * c + b] * Math.sin(ang);
                    ei += re0[a * c + b] * Math.sin(ang) + im0[a * c + b] * Math.cos(ang);
                }
            }
            assertEquals(er, re[k * c + m], 1e-9);
            assertEquals(ei, im[k * c + m], 1e-9);
            f.inverse(re, im, s[0], s[1], s[2], s[3]);
            assertArrayEquals(re0, re, 1e-12);
            assertArrayEquals(im0, im, 1e-12);
        }
    }
}
