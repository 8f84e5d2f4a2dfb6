package org.dpdl4j.dl4j.scattering;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.dpdl4j.dl4j.features.FeatureCache;
import org.dpdl4j.dl4j.features.FeatureExtractor;
import org.dpdl4j.dl4j.postprocess.FeaturePipeline;
import org.dpdl4j.dl4j.postprocess.GroupNormalize;
import org.dpdl4j.dl4j.postprocess.PrivacyCost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ScatteringTransformTest {

    @TempDir
    Path dir;

    static final ScatteringTransform SCATTERNET = ScatteringProperties.SCATTERNET;

    static INDArray batch(int n, long seed) {
        double[] all = new double[n * 784];
        for (int i = 0; i < n; i++) {
            System.arraycopy(TestImages.random(seed + i, 28, 28), 0, all, i * 784, 784);
        }
        return Nd4j.createFromArray(all).reshape('c', n, 784);
    }

    @Test
    void scatterNetOn28x28GivesEightyOneChannelsOfSevenBySeven() {
        ScatteringConfig c = ScatteringConfig.tramerBoneh(28, 28);
        assertEquals(2, c.scales());
        assertEquals(8, c.angles());
        assertEquals(36, c.paddedHeight());
        assertEquals(4, c.padTop());
        assertEquals(81, c.channels());
        assertEquals(7, c.outputHeight());
        assertEquals(7, c.outputWidth());
        assertEquals(3969, c.outputDimension());
        assertEquals(1 + 8, ScatteringConfig.builder().imageSize(28, 28).scales(1).build().channels());
        assertEquals(1 + 3 * 8 + 64 * 3, ScatteringConfig.builder().imageSize(32, 32).scales(3).build().channels());
        assertEquals(1 + 16, ScatteringConfig.builder().imageSize(28, 28).maxOrder(1).build().channels());
        INDArray y = SCATTERNET.apply(batch(3, 0).castTo(DataType.FLOAT));
        assertArrayEquals(new long[] {3, 3969}, y.shape());
        assertEquals(DataType.FLOAT, y.dataType());
        assertEquals(DataType.DOUBLE, SCATTERNET.apply(batch(1, 0)).dataType());
        assertArrayEquals(new long[] {0, 3969}, SCATTERNET.apply(Nd4j.create(DataType.FLOAT, 0, 784)).shape());
    }

    @Test
    void acceptsFlatImageAndChannelLayoutsAlike() {
        INDArray flat = batch(2, 5);
        INDArray expected = SCATTERNET.apply(flat);
        assertEquals(expected, SCATTERNET.apply(flat.reshape('c', 2, 28, 28)));
        assertEquals(expected, SCATTERNET.apply(flat.reshape('c', 2, 1, 28, 28)));
        // uint8-like pixel values in an integer array
        INDArray ints = flat.mul(255).castTo(DataType.INT32);
        assertEquals(SCATTERNET.apply(ints.castTo(DataType.DOUBLE)).castTo(DataType.FLOAT), SCATTERNET.apply(ints));
    }

    @Test
    void isDeterministicAndIndependentOfThreadsAndBatching() {
        INDArray x = batch(7, 11);
        INDArray one = ScatteringTransform.create(ScatteringConfig.tramerBoneh(28, 28).withThreads(1)).apply(x);
        INDArray three = ScatteringTransform.create(ScatteringConfig.tramerBoneh(28, 28).withThreads(3)).apply(x);
        assertEquals(one, three);
        assertEquals(one, SCATTERNET.apply(x));
        for (int i = 0; i < 7; i++) {
            double[] single = SCATTERNET.transform(x.getRow(i).toDoubleVector());
            assertArrayEquals(one.getRow(i).toDoubleVector(), single, 0.0);
        }
    }

    @Test
    void aConstantImageHasOnlyItsMeanAsOrderZeroAndNoOtherEnergy() {
        double[] x = new double[784];
        Arrays.fill(x, 0.37);
        double[] s = SCATTERNET.transform(x);
        for (int i = 0; i < 49; i++) {
            assertEquals(0.37, s[i], 1e-12, "S0 keeps the mean (phi-hat(0) = 1)");
        }
        for (int i = 49; i < s.length; i++) {
            assertEquals(0.0, s[i], 1e-12, "wavelets have zero mean: no response to a constant (index " + i + ")");
        }
    }

    @Test
    void scalingTheImageScalesEveryCoefficient() {
        // Convolutions and moduli are positively homogeneous: S(c·x) = c·S(x) for c > 0.
        double[] x = TestImages.random(4, 28, 28);
        double[] s = SCATTERNET.transform(x);
        double[] t = SCATTERNET.transform(Arrays.stream(x).map(v -> 2.5 * v).toArray());
        for (int i = 0; i < s.length; i++) {
            assertEquals(2.5 * s[i], t[i], 1e-12);
        }
    }

    @Test
    void littlewoodPaleySumOfTheScatterNetFilterBank() {
        MorletFilterBank bank = SCATTERNET.filterBank();
        double[] a = bank.littlewoodPaley();
        double min = Arrays.stream(a).min().orElseThrow();
        double max = Arrays.stream(a).max().orElseThrow();
        // Non-expansive: A(ω) ≤ 1, reached at ω = 0 by the low-pass alone (φ̂(0) = 1, every ψ̂(0) = 0).
        assertEquals(1.0, a[0], 1e-12);
        assertTrue(max <= 1 + 1e-12, "max A = " + max);
        // A frame: every frequency is covered; the least at the diagonal Nyquist corner (π, π).
        assertEquals(0.1230, min, 5e-4);
        assertEquals(min, a[18 * 36 + 18], 1e-12);
        for (int j = 0; j < 2; j++) {
            for (int l = 0; l < 8; l++) {
                assertEquals(0.0, bank.psi(j, l)[0], 1e-12, "psi(" + j + "," + l + ") has zero mean");
                // each wavelet's peak sits near its centre frequency ξ = 3π/4 / 2^j, angle θ_l
                double[] f = bank.psi(j, l);
                int arg = 0;
                for (int p = 1; p < f.length; p++) {
                    if (Math.abs(f[p]) > Math.abs(f[arg])) {
                        arg = p;
                    }
                }
                double w1 = freq(arg / 36, 36);
                double w2 = freq(arg % 36, 36);
                double xi = 0.75 * Math.PI / (1 << j);
                assertEquals(xi, Math.hypot(w1, w2), 2 * Math.PI / 36 + 0.15 * xi, "centre frequency of psi(" + j + "," + l + ")");
            }
        }
        assertEquals(3 * Math.PI / 8, bank.angle(0), 1e-15);
        assertEquals(-Math.PI / 2, bank.angle(7), 1e-15);
    }

    private static double freq(int k, int n) {
        return 2 * Math.PI * (k < n / 2 ? k : k - n) / n;
    }

    @Test
    void theStabilityBoundRejectsAMapWithoutLowPassAveraging() {
        // Control for ScatteringProperties: the unaveraged modulus |x ⋆ ψ| fails the bound the scattering meets.
        MorletFilterBank bank = MorletFilterBank.create(28, 28, 2, 8);
        FullResolutionScattering full = new FullResolutionScattering(bank);
        java.util.function.UnaryOperator<double[]> modulusOnly = x -> {
            double[] out = new double[16 * 784];
            for (int j = 0; j < 2; j++) {
                for (int l = 0; l < 8; l++) {
                    System.arraycopy(full.modulus(full.convolve(x, bank.psiShared(j, l))), 0, out, (j * 8 + l) * 784, 784);
                }
            }
            return out;
        };
        for (long seed = 0; seed < 4; seed++) {
            double[] x = TestImages.noise(new Random(seed), 28, 28);
            double[] moved = ScatteringProperties.moved(x, 0);
            double imageChange = TestImages.distance(x, moved);
            double modulusChange = TestImages.distance(modulusOnly.apply(x), modulusOnly.apply(moved));
            double scatteringChange = TestImages.distance(SCATTERNET.transform(x), SCATTERNET.transform(moved));
            assertTrue(modulusChange > ScatteringProperties.STABILITY_RATIO * imageChange,
                    "modulus change " + modulusChange + " vs image change " + imageChange);
            assertTrue(scatteringChange <= ScatteringProperties.STABILITY_RATIO * imageChange,
                    "scattering change " + scatteringChange + " vs image change " + imageChange);
        }
    }

    @Test
    void refusesWrongShapesAndNonFinitePixelsWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SCATTERNET.apply(Nd4j.zeros(DataType.FLOAT, 2, 780)));
        assertTrue(e.getMessage().contains("[n, 784]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SCATTERNET.apply(Nd4j.zeros(DataType.FLOAT, 2, 3, 28, 28)));
        assertThrows(IllegalArgumentException.class, () -> SCATTERNET.transform(new double[10]));
        INDArray x = batch(4, 1);
        x.putScalar(2, 100, Double.NaN);
        e = assertThrows(IllegalArgumentException.class, () -> SCATTERNET.apply(x));
        assertTrue(e.getMessage().contains("row 2"), e.getMessage());
    }

    @Test
    void configBuilderValidates() {
        assertThrows(IllegalArgumentException.class, () -> ScatteringConfig.builder().build());
        assertThrows(IllegalArgumentException.class, () -> ScatteringConfig.builder().imageSize(28, 28).scales(0).build());
        assertThrows(IllegalArgumentException.class, () -> ScatteringConfig.builder().imageSize(28, 28).angles(0).build());
        assertThrows(IllegalArgumentException.class, () -> ScatteringConfig.builder().imageSize(28, 28).maxOrder(3).build());
        assertThrows(IllegalArgumentException.class, () -> ScatteringConfig.builder().imageSize(28, 28).threads(-1).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ScatteringConfig.builder().imageSize(4, 28).scales(3).build());
        assertTrue(e.getMessage().contains("too small"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ScatteringConfig.builder().imageSize(6, 28).scales(3).build());
        assertTrue(e.getMessage().contains("no output pixel"), e.getMessage());
        assertTrue(ScatteringConfig.tramerBoneh(28, 28).threads() >= 1);
    }

    @Test
    void isAFreeFrozenFeatureMapForTheExtractorAndItsCache() throws Exception {
        PrivacyCost cost = SCATTERNET.cost();
        assertEquals(PrivacyCost.Kind.DATA_INDEPENDENT, cost.kind());
        assertTrue(cost.isFree());
        assertFalse(cost.event().isPresent());
        INDArray x = batch(10, 3).castTo(DataType.FLOAT);
        FeatureExtractor ex = SCATTERNET.extractor().withBatchSize(4);
        assertTrue(ex.description().contains("J=2 L=8"), ex.description());
        INDArray f = ex.extract(x);
        assertEquals(SCATTERNET.apply(x), f);
        int[] labels = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        FeatureCache cache = ex.extractToCache(x, labels, 10, dir.resolve("c"), "test rows 0..9");
        assertEquals(10, cache.size());
        assertEquals(3969, cache.dimension());
        // Same map and inputs: the cache is reused; another configuration has another fingerprint.
        assertNotEquals(SCATTERNET.fingerprint(), ScatteringTransform.create(ScatteringConfig.builder().imageSize(28, 28)
                .scales(2).angles(6).build()).fingerprint());
        assertEquals(SCATTERNET.fingerprint(),
                ScatteringTransform.create(ScatteringConfig.tramerBoneh(28, 28).withThreads(1)).fingerprint());
        // Stacks with per-example group normalisation into 27 groups of 3 channels, as in Tramèr & Boneh.
        INDArray g = FeaturePipeline.of(new GroupNormalize(81, 27)).apply(f);
        assertArrayEquals(new long[] {10, 3969}, g.shape());
        double[] row = g.getRow(0).toDoubleVector();
        for (int group = 0; group < 27; group++) {
            double[] v = Arrays.copyOfRange(row, group * 147, (group + 1) * 147);
            assertEquals(0.0, Arrays.stream(v).average().orElseThrow(), 1e-5);
        }
    }
}
