package org.dpdl4j.dl4j.scattering;

import java.util.ArrayList;
import java.util.List;

/**
 * Complex discrete Fourier transform of any length n &ge; 1 (mixed radix, Stockham autosort), on split
 * real/imaginary double arrays. Commons Math only transforms powers of two, and the scattering grids
 * are not (28×28 pads to 36×36, then 18×18 and 9×9), hence this small transform.
 *
 * <p>One call transforms {@code count} interleaved sequences at once: element t of sequence q sits at
 * index {@code q + count·t}. With a row-major [rows, cols] array and {@code count = cols} that is every
 * column, with contiguous inner loops. Forward: X[k] = Σ x[t]·e^{−2πi·kt/n}; inverse: the same with
 * e^{+2πi·kt/n} and <b>without</b> the 1/n factor (callers scale).
 *
 * <p>Immutable and thread-safe; the caller supplies the scratch arrays.
 */
final class Fft {

    private final int n;
    private final boolean inverse;
    private final int[] radix;
    /** Per stage: twiddles w_len^{j·k} for j &lt; m, k &lt; p, stored at [j·p + k]. */
    private final double[][] twRe;
    private final double[][] twIm;
    /** Per distinct generic radix p: ω_p^{r} for r &lt; p, indexed by stage. */
    private final double[][] rootRe;
    private final double[][] rootIm;

    Fft(int n, boolean inverse) {
        if (n < 1) {
            throw new IllegalArgumentException("transform length must be >= 1, got " + n);
        }
        this.n = n;
        this.inverse = inverse;
        this.radix = factor(n);
        int stages = radix.length;
        twRe = new double[stages][];
        twIm = new double[stages][];
        rootRe = new double[stages][];
        rootIm = new double[stages][];
        double sign = inverse ? 1.0 : -1.0;
        int len = n;
        for (int s = 0; s < stages; s++) {
            int p = radix[s];
            int m = len / p;
            twRe[s] = new double[m * p];
            twIm[s] = new double[m * p];
            for (int j = 0; j < m; j++) {
                for (int k = 0; k < p; k++) {
                    // Reduce the exponent modulo len before the angle: exact values at the quarter turns.
                    double a = sign * 2 * Math.PI * (((long) j * k) % len) / len;
                    twRe[s][j * p + k] = Math.cos(a);
                    twIm[s][j * p + k] = Math.sin(a);
                }
            }
            rootRe[s] = new double[p];
            rootIm[s] = new double[p];
            for (int r = 0; r < p; r++) {
                double a = sign * 2 * Math.PI * r / p;
                rootRe[s][r] = Math.cos(a);
                rootIm[s][r] = Math.sin(a);
            }
            len = m;
        }
    }

    int length() {
        return n;
    }

    boolean isInverse() {
        return inverse;
    }

    /** Radix 4 first where possible, then 2, 3, 5 and any remaining primes. */
    static int[] factor(int n) {
        List<Integer> f = new ArrayList<>();
        int rest = n;
        while (rest % 4 == 0) {
            f.add(4);
            rest /= 4;
        }
        for (int p = 2; rest > 1; p++) {
            while (rest % p == 0) {
                f.add(p);
                rest /= p;
            }
            if ((long) p * p > rest && rest > 1) {
                f.add(rest);
                rest = 1;
            }
        }
        return f.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Transforms {@code count} interleaved sequences of length n in place.
     *
     * @param re real parts, at least n·count values from index 0
     * @param im imaginary parts
     * @param sre scratch of at least n·count values
     * @param sim scratch of at least n·count values
     */
    void transform(double[] re, double[] im, int count, double[] sre, double[] sim) {
        double[] xr = re;
        double[] xi = im;
        double[] yr = sre;
        double[] yi = sim;
        int len = n;
        int s = count;
        for (int st = 0; st < radix.length; st++) {
            int p = radix[st];
            int m = len / p;
            switch (p) {
                case 2 -> radix2(xr, xi, yr, yi, m, s, twRe[st], twIm[st]);
                case 3 -> radix3(xr, xi, yr, yi, m, s, twRe[st], twIm[st]);
                case 4 -> radix4(xr, xi, yr, yi, m, s, twRe[st], twIm[st]);
                default -> generic(xr, xi, yr, yi, p, m, s, twRe[st], twIm[st], rootRe[st], rootIm[st]);
            }
            double[] t = xr;
            xr = yr;
            yr = t;
            t = xi;
            xi = yi;
            yi = t;
            len = m;
            s *= p;
        }
        if (xr != re) {
            System.arraycopy(xr, 0, re, 0, n * count);
            System.arraycopy(xi, 0, im, 0, n * count);
        }
    }

    // Stage of the decimation-in-frequency Stockham algorithm: for j < m, q < s,
    // y[q + s(p·j + k)] = w_len^{j·k} · Σ_r x[q + s(j + r·m)] · ω_p^{r·k}.

    private static void radix2(double[] xr, double[] xi, double[] yr, double[] yi, int m, int s, double[] tr,
                               double[] ti) {
        for (int j = 0; j < m; j++) {
            double w1r = tr[2 * j + 1];
            double w1i = ti[2 * j + 1];
            int in0 = s * j;
            int in1 = s * (j + m);
            int out0 = s * (2 * j);
            int out1 = out0 + s;
            for (int q = 0; q < s; q++) {
                double ar = xr[in0 + q];
                double ai = xi[in0 + q];
                double br = xr[in1 + q];
                double bi = xi[in1 + q];
                yr[out0 + q] = ar + br;
                yi[out0 + q] = ai + bi;
                double dr = ar - br;
                double di = ai - bi;
                yr[out1 + q] = dr * w1r - di * w1i;
                yi[out1 + q] = dr * w1i + di * w1r;
            }
        }
    }

    private void radix3(double[] xr, double[] xi, double[] yr, double[] yi, int m, int s, double[] tr, double[] ti) {
        // ω_3 = −1/2 ∓ i·√3/2 (forward: minus)
        double c = -0.5;
        double d = (inverse ? 1 : -1) * Math.sqrt(3) / 2;
        for (int j = 0; j < m; j++) {
            double w1r = tr[3 * j + 1];
            double w1i = ti[3 * j + 1];
            double w2r = tr[3 * j + 2];
            double w2i = ti[3 * j + 2];
            int in0 = s * j;
            int in1 = s * (j + m);
            int in2 = s * (j + 2 * m);
            int out0 = s * (3 * j);
            int out1 = out0 + s;
            int out2 = out1 + s;
            for (int q = 0; q < s; q++) {
                double ar = xr[in0 + q];
                double ai = xi[in0 + q];
                double br = xr[in1 + q];
                double bi = xi[in1 + q];
                double er = xr[in2 + q];
                double ei = xi[in2 + q];
                double sr = br + er;
                double si = bi + ei;
                double dr = br - er;
                double di = bi - ei;
                yr[out0 + q] = ar + sr;
                yi[out0 + q] = ai + si;
                double mr = ar + c * sr;
                double mi = ai + c * si;
                // (b·ω + e·ω²) = c·(b+e) + i·d·(b−e)
                double y1r = mr - d * di;
                double y1i = mi + d * dr;
                double y2r = mr + d * di;
                double y2i = mi - d * dr;
                yr[out1 + q] = y1r * w1r - y1i * w1i;
                yi[out1 + q] = y1r * w1i + y1i * w1r;
                yr[out2 + q] = y2r * w2r - y2i * w2i;
                yi[out2 + q] = y2r * w2i + y2i * w2r;
            }
        }
    }

    private void radix4(double[] xr, double[] xi, double[] yr, double[] yi, int m, int s, double[] tr, double[] ti) {
        // ω_4 = ∓i (forward: −i)
        double sg = inverse ? 1 : -1;
        for (int j = 0; j < m; j++) {
            double w1r = tr[4 * j + 1];
            double w1i = ti[4 * j + 1];
            double w2r = tr[4 * j + 2];
            double w2i = ti[4 * j + 2];
            double w3r = tr[4 * j + 3];
            double w3i = ti[4 * j + 3];
            int in0 = s * j;
            int in1 = s * (j + m);
            int in2 = s * (j + 2 * m);
            int in3 = s * (j + 3 * m);
            int out0 = s * (4 * j);
            int out1 = out0 + s;
            int out2 = out1 + s;
            int out3 = out2 + s;
            for (int q = 0; q < s; q++) {
                double ar = xr[in0 + q];
                double ai = xi[in0 + q];
                double br = xr[in1 + q];
                double bi = xi[in1 + q];
                double cr = xr[in2 + q];
                double ci = xi[in2 + q];
                double dr = xr[in3 + q];
                double di = xi[in3 + q];
                double apcR = ar + cr;
                double apcI = ai + ci;
                double amcR = ar - cr;
                double amcI = ai - ci;
                double bpdR = br + dr;
                double bpdI = bi + di;
                // ω·(b − d) with ω = sg·i: (sg·i)(x + iy) = −sg·y + i·sg·x
                double rotR = -sg * (bi - di);
                double rotI = sg * (br - dr);
                yr[out0 + q] = apcR + bpdR;
                yi[out0 + q] = apcI + bpdI;
                double y1r = amcR + rotR;
                double y1i = amcI + rotI;
                double y2r = apcR - bpdR;
                double y2i = apcI - bpdI;
                double y3r = amcR - rotR;
                double y3i = amcI - rotI;
                yr[out1 + q] = y1r * w1r - y1i * w1i;
                yi[out1 + q] = y1r * w1i + y1i * w1r;
                yr[out2 + q] = y2r * w2r - y2i * w2i;
                yi[out2 + q] = y2r * w2i + y2i * w2r;
                yr[out3 + q] = y3r * w3r - y3i * w3i;
                yi[out3 + q] = y3r * w3i + y3i * w3r;
            }
        }
    }

    private static void generic(double[] xr, double[] xi, double[] yr, double[] yi, int p, int m, int s, double[] tr,
                                double[] ti, double[] rr, double[] ri) {
        for (int j = 0; j < m; j++) {
            for (int k = 0; k < p; k++) {
                double wr = tr[j * p + k];
                double wi = ti[j * p + k];
                int out = s * (p * j + k);
                for (int q = 0; q < s; q++) {
                    double accR = 0;
                    double accI = 0;
                    for (int r = 0; r < p; r++) {
                        int e = (int) (((long) r * k) % p);
                        double vr = xr[s * (j + r * m) + q];
                        double vi = xi[s * (j + r * m) + q];
                        accR += vr * rr[e] - vi * ri[e];
                        accI += vr * ri[e] + vi * rr[e];
                    }
                    yr[out + q] = accR * wr - accI * wi;
                    yi[out + q] = accR * wi + accI * wr;
                }
            }
        }
    }
}
