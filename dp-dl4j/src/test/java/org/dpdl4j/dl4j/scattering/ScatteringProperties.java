package org.dpdl4j.dl4j.scattering;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Defining properties of the wavelet scattering transform, on random images of three kinds (noise,
 * textured shapes, strokes): Parseval/Littlewood–Paley energy bounds, non-expansiveness and the Lipschitz
 * bound of the full-resolution transform, exact covariance to shifts by 2^J, and stability to small shifts
 * of the subsampled transform that is used as the feature map.
 */
class ScatteringProperties {

    static final int SIDE = 28;
    static final ScatteringTransform SCATTERNET = ScatteringTransform.create(
            ScatteringConfig.tramerBoneh(SIDE, SIDE).withThreads(1));
    static final MorletFilterBank BANK = SCATTERNET.filterBank();
    static final FullResolutionScattering FULL = new FullResolutionScattering(BANK);
    static final double[] LP = BANK.littlewoodPaley();
    static final double LP_MIN = java.util.Arrays.stream(LP).min().orElseThrow();
    static final double LP_MAX = java.util.Arrays.stream(LP).max().orElseThrow();

    /** An image on the full 36×36 grid of the filter bank. */
    static double[] gridImage(long seed) {
        return TestImages.random(seed, BANK.rows(), BANK.cols());
    }

    @Property(tries = 25)
    void oneWaveletLayerKeepsEnergyWithinTheLittlewoodPaleyBounds(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        double[] x = gridImage(seed);
        int n = x.length;
        double energy = FullResolutionScattering.dot(x, x);
        double layer = sq(FULL.convolve(x, BANK.phiShared()));
        for (int j = 0; j < BANK.scales(); j++) {
            for (int l = 0; l < BANK.angles(); l++) {
                layer += sq(FULL.convolve(x, BANK.psiShared(j, l)));
            }
        }
        // Parseval: the layer energy is exactly Σ_ω A(ω)·|x̂(ω)|² / n.
        double[] re = x.clone();
        double[] im = new double[n];
        new Fft2(BANK.rows(), BANK.cols()).forward(re, im, new double[n], new double[n], new double[n], new double[n]);
        double predicted = 0;
        for (int p = 0; p < n; p++) {
            predicted += LP[p] * (re[p] * re[p] + im[p] * im[p]) / n;
        }
        assertEquals(predicted, layer, 1e-9 * energy);
        assertTrue(layer <= LP_MAX * energy * (1 + 1e-12), "layer energy " + layer + " > " + LP_MAX + " * " + energy);
        assertTrue(layer >= LP_MIN * energy * (1 - 1e-12), "layer energy " + layer + " < " + LP_MIN + " * " + energy);
    }

    @Property(tries = 12)
    void fullResolutionScatteringEnergyIsBoundedByTheFrameBounds(@ForAll @LongRange(min = 0, max = 1_000_000) long seed) {
        double[] x = gridImage(seed);
        double energy = FullResolutionScattering.dot(x, x);
        FullResolutionScattering.Result r = FULL.apply(x);
        double s = FullResolutionScattering.dot(r.s(), r.s());
        int n = x.length;
        double s0 = 0;
        double s1 = 0;
        int plane = n;
        for (int p = 0; p < plane; p++) {
            s0 += r.s()[p] * r.s()[p];
        }
        for (int p = plane; p < (1 + BANK.scales() * BANK.angles()) * plane; p++) {
            s1 += r.s()[p] * r.s()[p];
        }
        // Two wavelet-modulus layers: ‖S0‖² + ‖S1‖² + Σ_all ‖U2‖² ∈ [a·min(1, a), b·max(1, b)]·‖x‖², a, b the LP bounds.
        double propagated = s0 + s1 + r.u2AllEnergy();
        assertTrue(propagated <= LP_MAX * Math.max(1, LP_MAX) * energy * (1 + 1e-9),
                "propagated energy " + propagated + " exceeds the upper frame bound times " + energy);
        assertTrue(propagated >= LP_MIN * Math.min(1, LP_MIN) * energy * (1 - 1e-9),
                "propagated energy " + propagated + " below the lower frame bound times " + energy);
        // The order-2 coefficients are averages of part of that energy: ‖Sx‖² ≤ it, and ≤ ‖x‖² since max A = 1.
        assertTrue(s <= propagated * (1 + 1e-9));
        assertTrue(s <= energy * (1 + 1e-9), "||Sx||^2 = " + s + " > ||x||^2 = " + energy);
    }

    @Property(tries = 10)
    void fullResolutionScatteringIsLipschitzWithConstantOne(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                                                            @ForAll @IntRange(min = 1, max = 1000) int other) {
        double[] x = gridImage(seed);
        double[] y = gridImage(seed + other);
        double dx = TestImages.distance(x, y);
        double ds = TestImages.distance(FULL.apply(x).s(), FULL.apply(y).s());
        assertTrue(ds <= dx * (1 + 1e-9), "||Sx - Sy|| = " + ds + " > ||x - y|| = " + dx);
    }

    @Property(tries = 20)
    void shiftingByTwoToTheJShiftsEveryChannelByOneCoefficient(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                                                               @ForAll boolean vertical) {
        // Content 9 pixels from the border: reflect padding adds zeros only, so the padded image shifts circularly.
        double[] x = TestImages.shape(new Random(seed), SIDE, SIDE, 9);
        double[] moved = TestImages.shift(x, SIDE, SIDE, vertical ? 4 : 0, vertical ? 0 : 4);
        double[] s = SCATTERNET.transform(x);
        double[] t = SCATTERNET.transform(moved);
        int h = SCATTERNET.config().outputHeight();
        int w = SCATTERNET.config().outputWidth();
        double scale = java.util.Arrays.stream(s).map(Math::abs).max().orElseThrow();
        for (int c = 0; c < SCATTERNET.channels(); c++) {
            for (int a = vertical ? 1 : 0; a < h; a++) {
                for (int b = vertical ? 0 : 1; b < w; b++) {
                    double expected = s[c * h * w + (vertical ? a - 1 : a) * w + (vertical ? b : b - 1)];
                    assertEquals(expected, t[c * h * w + a * w + b], 1e-10 * scale, "channel " + c + " at " + a + "," + b);
                }
            }
        }
    }

    @Property(tries = 30)
    void aOnePixelShiftChangesTheFeaturesMuchLessThanTheImage(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                                                              @ForAll @IntRange(min = 0, max = 3) int direction) {
        // Noise or thin strokes: a one-pixel shift changes such an image by 70-130% of its norm, mostly at high
        // frequencies, which the averaging removes. (Smooth images change little and mostly at low frequencies,
        // which S keeps, so they are left to the next property.)
        Random r = new Random(seed);
        double[] x = seed % 2 == 0 ? TestImages.noise(r, SIDE, SIDE) : TestImages.strokes(r, SIDE, SIDE);
        double[] moved = moved(x, direction);
        double imageChange = TestImages.distance(x, moved);
        double featureChange = TestImages.distance(SCATTERNET.transform(x), SCATTERNET.transform(moved));
        assertTrue(featureChange <= STABILITY_RATIO * imageChange, String.format(java.util.Locale.ROOT,
                "||S(x_t) - S(x)|| = %.4g > %.2f x ||x_t - x|| = %.4g", featureChange, STABILITY_RATIO, imageChange));
    }

    @Property(tries = 30)
    void theFeatureChangeOfAOnePixelShiftIsSmallOnTheAveragingScale(@ForAll @LongRange(min = 0, max = 1_000_000) long seed,
                                                                     @ForAll @IntRange(min = 0, max = 3) int direction) {
        // Translation stability (Mallat 2012): ||S(x_t) - S(x)|| <= C (|t| / 2^J) ||x||, here |t| = 1 and 2^J = 4.
        double[] x = TestImages.random(seed, SIDE, SIDE);
        double featureChange = TestImages.distance(SCATTERNET.transform(x), SCATTERNET.transform(moved(x, direction)));
        assertTrue(featureChange <= SHIFT_CONSTANT / 4 * TestImages.norm(x), String.format(java.util.Locale.ROOT,
                "||S(x_t) - S(x)|| = %.4g > %.2f / 4 x ||x|| = %.4g", featureChange, SHIFT_CONSTANT, TestImages.norm(x)));
    }

    /*
     * Both bounds are measured, not derived. Over 6,000 seeds of each image kind and all four one-pixel shifts:
     * ||S(x_t) - S(x)|| / ||x_t - x|| reached 0.058 on noise and 0.117 on strokes (the unaveraged modulus
     * |x * psi| reaches 0.24 on noise: see ScatteringTransformTest), and ||S(x_t) - S(x)|| / ||x|| reached
     * 0.122 (strokes), i.e. C = 0.49. Relative to ||S(x)|| instead the change is not usefully bounded: thin
     * strokes keep little energy in S(x), and one shift moved S(x) by 85% of its norm.
     */
    static final double STABILITY_RATIO = 0.18;
    static final double SHIFT_CONSTANT = 1.0;

    static double[] moved(double[] x, int direction) {
        int[][] moves = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
        return TestImages.shift(x, SIDE, SIDE, moves[direction][0], moves[direction][1]);
    }

    private static double sq(double[][] z) {
        return FullResolutionScattering.dot(z[0], z[0]) + FullResolutionScattering.dot(z[1], z[1]);
    }
}
