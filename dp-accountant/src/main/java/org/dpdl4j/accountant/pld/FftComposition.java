package org.dpdl4j.accountant.pld;

import java.util.List;

/**
 * Composes discrete privacy-loss distributions of one direction by FFT: every step's distribution is
 * folded onto one power-of-two array, transformed, raised to its count, multiplied, and transformed back.
 *
 * <p>The array is a circular window of N grid points. Its position and N come from rigorous
 * {@link ChernoffTails} bounds on the composed discrete distribution, so that the mass that lies outside
 * and wraps around is at most a prescribed η on each side. The mass above the window is reported so that
 * the accountant adds it to δ; the total outside mass is reported for the lower bound. Offsets add up:
 * c copies of a step starting at grid index o start at c·o.
 *
 * <p>Privacy assumption: the steps are independent and all in one direction (so their losses add), and
 * the input distributions are pessimistic; the window adds no optimism because wrapped mass is accounted
 * for as above.
 */
final class FftComposition {

    private static final int MIN_SIZE = 64;
    private static final double UNIT_ROUNDOFF = 0x1p-53;

    private FftComposition() {
    }

    /**
     * @param steps per-step distributions on one grid step
     * @param counts how often each runs (≥ 1)
     * @param logEtaUpper log of the mass allowed above the window
     * @param logEtaLower log of the mass allowed below the window
     * @param maxSize largest FFT size allowed; above it {@link ConnectTheDots.GridTooLargeException} is
     *     thrown so the caller can coarsen the grid
     */
    static ComposedPld compose(List<DiscretePld> steps, long[] counts, double logEtaUpper, double logEtaLower,
                               int maxSize) {
        double d = steps.get(0).gridStep();
        double logSurvival = 0;
        double truncated = 0;
        long supportBottom = 0;
        long supportTop = 0;
        boolean supportKnown = true;
        long totalCount = 0;
        for (int i = 0; i < steps.size(); i++) {
            DiscretePld s = steps.get(i);
            if (s.gridStep() != d) {
                throw new IllegalArgumentException("all steps must share one grid step");
            }
            logSurvival += counts[i] * Math.log1p(-s.infinityMass());
            truncated += counts[i] * s.truncatedMass();
            totalCount += counts[i];
            try {
                supportBottom = Math.addExact(supportBottom, Math.multiplyExact(counts[i], s.offset()));
                supportTop = Math.addExact(supportTop, Math.multiplyExact(counts[i], s.offset() + s.size() - 1));
            } catch (ArithmeticException e) {
                supportKnown = false;
            }
        }
        double infinityMass = Math.max(0.0, -Math.expm1(logSurvival));

        double upperLevel = ChernoffTails.upperLevel(steps, counts, logEtaUpper);
        double lowerLevel = ChernoffTails.lowerLevel(steps, counts, logEtaLower);
        long kHi = clampIndex(Math.ceil(upperLevel / d));
        long kLo = clampIndex(Math.floor(lowerLevel / d));
        if (supportKnown) {
            kHi = Math.min(kHi, supportTop);
            kLo = Math.max(kLo, supportBottom);
        }
        if (kHi < kLo) {
            kHi = kLo;
        }
        long width = kHi - kLo + 1;
        if (width > maxSize) {
            throw new ConnectTheDots.GridTooLargeException(width);
        }
        int n = Fft.nextPowerOfTwo(Math.max(width, MIN_SIZE));
        long levelLo = kLo;
        long levelHi = kHi;
        // Spread the slack of the power of two over both sides.
        kLo -= (n - width) / 2;
        long windowTop = kLo + n - 1;
        boolean coversTop = supportKnown && windowTop >= supportTop;
        boolean coversBottom = supportKnown && kLo <= supportBottom;
        double above = coversTop ? 0.0 : Math.exp(logEtaUpper);
        double below = coversBottom ? 0.0 : Math.exp(logEtaLower);

        double[] accRe = null;
        double[] accIm = null;
        long shift = 0; // Σ c_i·offset_i modulo n
        double[] buffer = new double[n];
        int log2n = Integer.numberOfTrailingZeros(n);
        for (int i = 0; i < steps.size(); i++) {
            DiscretePld s = steps.get(i);
            java.util.Arrays.fill(buffer, 0.0);
            double[] p = s.pmfArray();
            for (int j = 0; j < p.length; j++) {
                buffer[j & (n - 1)] += p[j];
            }
            double[][] spectrum = Fft.realForward(buffer);
            power(spectrum[0], spectrum[1], counts[i]);
            if (accRe == null) {
                accRe = spectrum[0];
                accIm = spectrum[1];
            } else {
                multiplyInto(accRe, accIm, spectrum[0], spectrum[1]);
            }
            shift = Math.floorMod(shift + Math.floorMod(counts[i], (long) n) * Math.floorMod(s.offset(), (long) n), (long) n);
        }
        double[] composed = Fft.realInverse(accRe, accIm, n);

        double[] window = new double[n];
        double maxEntry = 0;
        double slackNoise = 0;
        for (int i = 0; i < n; i++) {
            double v = composed[(int) Math.floorMod(kLo + i - shift, (long) n)];
            long k = kLo + i;
            if (k < levelLo || k > levelHi) {
                // Beyond the Chernoff levels the true mass is negligible: what is there is round-off.
                slackNoise = Math.max(slackNoise, Math.abs(v));
            }
            if (v < 0) {
                v = 0;
            }
            window[i] = v;
            maxEntry = Math.max(maxEntry, v);
        }
        // Round-off: binary powering multiplies the relative error of a spectrum value by about its count,
        // so every composed entry carries an absolute error of order u·(Σc + FFT depth)·(largest entry).
        // FFT noise is spread evenly over the entries, so where the window has slack beyond the tail levels
        // the entries there measure it directly (this catches spiky per-step distributions, whose spectra
        // stay large at high frequencies). Checked against exact direct convolution in the tests; an
        // estimate, not a bound.
        double noise = Math.max(2.0 * UNIT_ROUNDOFF * (totalCount + 4.0 * log2n + 10) * maxEntry, 2.0 * slackNoise);
        return new ComposedPld(d, kLo, window, infinityMass, above, above + below, Math.min(1.0, truncated), noise);
    }

    private static long clampIndex(double k) {
        if (Double.isNaN(k)) {
            throw new IllegalStateException("tail level is NaN");
        }
        return (long) Math.max(-4e18, Math.min(4e18, k));
    }

    /** z ← z^c elementwise by binary powering; bases that have become negligibly small end as 0. */
    static void power(double[] re, double[] im, long c) {
        if (c == 1) {
            return;
        }
        for (int k = 0; k < re.length; k++) {
            double br = re[k];
            double bi = im[k];
            double rr = 1;
            double ri = 0;
            long e = c;
            while (true) {
                if ((e & 1) != 0) {
                    double t = rr * br - ri * bi;
                    ri = rr * bi + ri * br;
                    rr = t;
                }
                e >>>= 1;
                if (e == 0) {
                    break;
                }
                double t = br * br - bi * bi;
                bi = 2 * br * bi;
                br = t;
                if (br * br + bi * bi < 1e-250) {
                    // |base| < 1e-125 and at least one more factor of it remains: the result is ≈ 0 at the
                    // round-off level of the whole computation.
                    rr = 0;
                    ri = 0;
                    break;
                }
            }
            re[k] = rr;
            im[k] = ri;
        }
    }

    private static void multiplyInto(double[] accRe, double[] accIm, double[] re, double[] im) {
        for (int k = 0; k < accRe.length; k++) {
            double r = accRe[k] * re[k] - accIm[k] * im[k];
            accIm[k] = accRe[k] * im[k] + accIm[k] * re[k];
            accRe[k] = r;
        }
    }
}
