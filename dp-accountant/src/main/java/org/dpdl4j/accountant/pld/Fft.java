package org.dpdl4j.accountant.pld;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Iterative radix-2 fast Fourier transforms on primitive {@code double} arrays: a complex transform and
 * a real-input transform that packs a real signal of length N into a complex one of length N/2.
 *
 * <p>Composition of privacy-loss distributions multiplies spectra of arrays with 10⁵–10⁶ entries; an
 * object per complex number (as in Commons Math) would dominate the run time, hence the split
 * real/imaginary arrays here.
 *
 * <p>Privacy assumption: none by itself. The accountant relies on this being a plain discrete Fourier
 * transform up to floating-point round-off, which the tests check against a naive DFT.
 *
 * <p>Sign convention: forward X[k] = Σ x[n] e^{−2πikn/N}; the inverse includes the factor 1/N.
 */
final class Fft {

    /** Twiddle tables are cached up to this size (2 × 8 MiB); larger sizes are computed per call. */
    private static final int MAX_CACHED_SIZE = 1 << 20;
    private static final ConcurrentHashMap<Integer, double[][]> TWIDDLES = new ConcurrentHashMap<>();

    private Fft() {
    }

    /** True when n is a power of two ≥ 1. */
    static boolean isPowerOfTwo(int n) {
        return n > 0 && (n & (n - 1)) == 0;
    }

    /** Smallest power of two ≥ n (n ≥ 1, at most 2^30). */
    static int nextPowerOfTwo(long n) {
        if (n < 1 || n > (1 << 30)) {
            throw new IllegalArgumentException("FFT size out of range: " + n);
        }
        int p = 1;
        while (p < n) {
            p <<= 1;
        }
        return p;
    }

    /**
     * In-place complex transform of {@code re + i·im}.
     *
     * @param inverse when true computes the inverse transform, including the 1/N factor
     */
    static void complex(double[] re, double[] im, boolean inverse) {
        int n = re.length;
        if (im.length != n || !isPowerOfTwo(n)) {
            throw new IllegalArgumentException("complex FFT needs two arrays of one power-of-two length, got "
                    + re.length + " and " + im.length);
        }
        if (n == 1) {
            return;
        }
        bitReverse(re, im);
        double[][] tw = twiddles(n);
        double[] cos = tw[0];
        double[] sin = tw[1];
        double sign = inverse ? 1.0 : -1.0;
        // Stage with half-length h uses e^{∓πik/h}, stored contiguously at [h, 2h) so that the inner loop
        // reads the table sequentially.
        for (int h = 1; h < n; h <<= 1) {
            int len = h << 1;
            for (int start = 0; start < n; start += len) {
                for (int k = 0; k < h; k++) {
                    double wr = cos[h + k];
                    double wi = sign * sin[h + k];
                    int a = start + k;
                    int b = a + h;
                    double br = re[b];
                    double bi = im[b];
                    double xr = br * wr - bi * wi;
                    double xi = br * wi + bi * wr;
                    double ar = re[a];
                    double ai = im[a];
                    re[b] = ar - xr;
                    im[b] = ai - xi;
                    re[a] = ar + xr;
                    im[a] = ai + xi;
                }
            }
        }
        if (inverse) {
            double scale = 1.0 / n;
            for (int i = 0; i < n; i++) {
                re[i] *= scale;
                im[i] *= scale;
            }
        }
    }

    /**
     * Forward transform of a real signal x of power-of-two length N ≥ 2. Returns {re, im} of the
     * non-redundant half spectrum X[0..N/2] (length N/2 + 1); the rest follows from X[N−k] = conj(X[k]).
     */
    static double[][] realForward(double[] x) {
        int n = x.length;
        if (n < 2 || !isPowerOfTwo(n)) {
            throw new IllegalArgumentException("real FFT needs a power-of-two length >= 2, got " + n);
        }
        int m = n >> 1;
        double[] zr = new double[m];
        double[] zi = new double[m];
        for (int j = 0; j < m; j++) {
            zr[j] = x[2 * j];
            zi[j] = x[2 * j + 1];
        }
        complex(zr, zi, false);
        double[] outRe = new double[m + 1];
        double[] outIm = new double[m + 1];
        double[][] tw = twiddles(n);
        double[] cos = tw[0];
        double[] sin = tw[1];
        // Z = FFT(even + i·odd); E[k] = (Z[k] + conj Z[m−k])/2 and O[k] = (Z[k] − conj Z[m−k])/(2i) are the
        // spectra of the even and odd samples, and X[k] = E[k] + e^{−2πik/N} O[k].
        for (int k = 0; k <= m; k++) {
            int k1 = k == m ? 0 : k;
            int k2 = k == 0 ? 0 : m - k;
            double ar = zr[k1];
            double ai = zi[k1];
            double br = zr[k2];
            double bi = -zi[k2];
            double er = 0.5 * (ar + br);
            double ei = 0.5 * (ai + bi);
            // (a − b)/(2i) = (ai − bi)/2 − i (ar − br)/2
            double or = 0.5 * (ai - bi);
            double oi = -0.5 * (ar - br);
            double wr;
            double wi;
            if (k == m) {
                wr = -1.0;
                wi = 0.0;
            } else {
                wr = cos[m + k];
                wi = -sin[m + k];
            }
            outRe[k] = er + (or * wr - oi * wi);
            outIm[k] = ei + (or * wi + oi * wr);
        }
        return new double[][] {outRe, outIm};
    }

    /**
     * Inverse of {@link #realForward}: from the half spectrum X[0..N/2] of a real signal returns the
     * signal of length N (the imaginary parts of X[0] and X[N/2] are ignored, as for a real signal they
     * are zero).
     */
    static double[] realInverse(double[] re, double[] im, int n) {
        if (n < 2 || !isPowerOfTwo(n) || re.length != n / 2 + 1 || im.length != n / 2 + 1) {
            throw new IllegalArgumentException("real inverse FFT needs a half spectrum of length N/2+1 "
                    + "for a power-of-two N >= 2");
        }
        int m = n >> 1;
        double[] zr = new double[m];
        double[] zi = new double[m];
        double[][] tw = twiddles(n);
        double[] cos = tw[0];
        double[] sin = tw[1];
        for (int k = 0; k < m; k++) {
            double ar = re[k];
            double ai = im[k];
            double br = re[m - k];
            double bi = -im[m - k];
            double er = 0.5 * (ar + br);
            double ei = 0.5 * (ai + bi);
            double dr = 0.5 * (ar - br);
            double di = 0.5 * (ai - bi);
            // O[k] = (X[k] − conj X[m−k])/2 · e^{+2πik/N}
            double wr = cos[m + k];
            double wi = sin[m + k];
            double or = dr * wr - di * wi;
            double oi = dr * wi + di * wr;
            // Z[k] = E[k] + i·O[k]
            zr[k] = er - oi;
            zi[k] = ei + or;
        }
        complex(zr, zi, true);
        double[] x = new double[n];
        for (int j = 0; j < m; j++) {
            x[2 * j] = zr[j];
            x[2 * j + 1] = zi[j];
        }
        return x;
    }

    private static void bitReverse(double[] re, double[] im) {
        int n = re.length;
        for (int i = 1, j = 0; i < n; i++) {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1) {
                j ^= bit;
            }
            j ^= bit;
            if (i < j) {
                double t = re[i];
                re[i] = re[j];
                re[j] = t;
                t = im[i];
                im[i] = im[j];
                im[j] = t;
            }
        }
    }

    /**
     * {cos, sin} tables for size n: entry h + k (0 ≤ k &lt; h, h a power of two &lt; n) holds the angle πk/h,
     * i.e. 2πk/(2h). Only the top level is computed with trigonometric functions; lower levels reuse its
     * even entries, which are the same angles.
     */
    private static double[][] twiddles(int n) {
        if (n <= MAX_CACHED_SIZE) {
            double[][] cached = TWIDDLES.get(n);
            if (cached != null) {
                return cached;
            }
        }
        double[] cos = new double[n];
        double[] sin = new double[n];
        int top = n >> 1;
        for (int k = 0; k < top; k++) {
            double angle = Math.PI * k / top;
            cos[top + k] = Math.cos(angle);
            sin[top + k] = Math.sin(angle);
        }
        for (int h = top >> 1; h >= 1; h >>= 1) {
            for (int k = 0; k < h; k++) {
                cos[h + k] = cos[2 * h + 2 * k];
                sin[h + k] = sin[2 * h + 2 * k];
            }
        }
        double[][] table = {cos, sin};
        if (n <= MAX_CACHED_SIZE) {
            TWIDDLES.putIfAbsent(n, table);
        }
        return table;
    }
}
