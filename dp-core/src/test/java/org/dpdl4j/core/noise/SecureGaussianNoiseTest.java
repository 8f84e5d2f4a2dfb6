package org.dpdl4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The secure construction: distribution (KS, per-coordinate std), masks, views, and the lattice
 * property that hides the un-noised value's low bits. Statistical tests use a fixed test key so they
 * are deterministic; one test runs with a fresh key at a very small false-alarm rate.
 */
class SecureGaussianNoiseTest {

    private static SecureGaussianNoise fixedKey(int id) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) id);
        return SecureGaussianNoise.withFixedKeyForTests(key);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 0.37, 4.05e3, 1e-6})
    void standardizedNoiseIsStandardNormal(double std) {
        INDArray noise = NoiseStatistics.noiseMatrix(fixedKey(1), DataType.DOUBLE, 1, 200_000, std);
        double p = NoiseStatistics.ksPValue(noise.toDoubleVector(), std);
        assertTrue(p > 1e-3, "KS p-value " + p);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8})
    void largeArraysSplitOverLanesStayIndependentAndReproducible(int laneCount) {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 21);
        int n = 300_001;
        INDArray a = Nd4j.zeros(DataType.DOUBLE, 1, n);
        INDArray b = Nd4j.zeros(DataType.DOUBLE, 1, n);
        SecureGaussianNoise.withFixedKeyForTests(key, laneCount).addTo(a, 1.0);
        SecureGaussianNoise.withFixedKeyForTests(key, laneCount).addTo(b, 1.0);
        assertEquals(a, b, "the same key and lane count must give the same noise");
        double[] z = a.toDoubleVector();
        assertTrue(NoiseStatistics.ksPValue(z, 1.0) > 1e-3, "KS over all lanes");
        // Every lane's range must be noise of its own: no repeated segment between the ranges.
        int used = Math.min(laneCount, n / (1 << 15));
        for (int k = 1; k < used; k++) {
            int start = (int) ((long) n * k / used);
            assertNotEquals(z[0], z[start], "lane " + k + " repeats lane 0's stream");
            double dot = 0;
            for (int i = 0; i < 10_000; i++) {
                dot += z[i] * z[start + i];
            }
            assertTrue(Math.abs(dot / 10_000) < 0.05, "lanes 0 and " + k + " are correlated: " + dot / 10_000);
        }
    }

    @Test
    void repeatedLargeCallsAreReproducibleAndFreshEachTime() {
        byte[] key = new byte[32];
        Arrays.fill(key, (byte) 22);
        int n = 100_000;
        SecureGaussianNoise one = SecureGaussianNoise.withFixedKeyForTests(key, 2);
        SecureGaussianNoise two = SecureGaussianNoise.withFixedKeyForTests(key, 2);
        double[][] calls = new double[4][];
        // Sizes n, n, n-1, n-1: every call continues the streams where the last one stopped.
        int[] sizes = {n, n, n - 1, n - 1};
        for (int c = 0; c < sizes.length; c++) {
            INDArray a = Nd4j.zeros(DataType.DOUBLE, 1, sizes[c]);
            INDArray b = Nd4j.zeros(DataType.DOUBLE, 1, sizes[c]);
            one.addTo(a, 1.0);
            two.addTo(b, 1.0);
            assertEquals(a, b, "call " + c + " must be reproducible under the same key");
            calls[c] = a.toDoubleVector();
            assertTrue(NoiseStatistics.ksPValue(calls[c], 1.0) > 1e-3, "KS of call " + c);
        }
        for (int c = 1; c < calls.length; c++) {
            double dot = 0;
            for (int i = 0; i < 20_000; i++) {
                dot += calls[c - 1][i] * calls[c][i];
            }
            assertTrue(Math.abs(dot / 20_000) < 0.04, "calls " + (c - 1) + " and " + c + " are correlated: " + dot / 20_000);
        }
    }

    @Test
    void freshKeyNoiseIsStandardNormal() {
        INDArray noise = NoiseStatistics.noiseMatrix(new SecureGaussianNoise(), DataType.FLOAT, 1, 100_000, 2.5);
        double p = NoiseStatistics.ksPValue(noise.toDoubleVector(), 2.5);
        assertTrue(p > 1e-7, "KS p-value " + p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"FLOAT", "DOUBLE", "HALF"})
    void perCoordinateStdIsStd(String type) {
        double std = 0.8;
        INDArray noise = NoiseStatistics.noiseMatrix(fixedKey(2), DataType.valueOf(type), 2000, 500, std);
        assertNull(NoiseStatistics.stdMismatch(noise, std));
    }

    @Test
    void stdCheckRejectsNoiseFivePercentOff() {
        double std = 0.8;
        assertNotNull(NoiseStatistics.stdMismatch(NoiseStatistics.noiseMatrix(fixedKey(3), DataType.FLOAT, 2000, 500, std * 1.05), std));
        assertNotNull(NoiseStatistics.stdMismatch(NoiseStatistics.noiseMatrix(fixedKey(3), DataType.FLOAT, 2000, 500, std * 0.95), std));
        INDArray oneCoordinateSilent = NoiseStatistics.noiseMatrix(fixedKey(3), DataType.FLOAT, 2000, 500, std);
        oneCoordinateSilent.getColumn(17).assign(0);
        assertNotNull(NoiseStatistics.stdMismatch(oneCoordinateSilent, std));
    }

    @Test
    void noiseIsAddedToTheExistingValues() {
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 100_000).muli(10).subi(5);
        INDArray y = x.dup();
        fixedKey(4).addTo(y, 0.01);
        INDArray diff = y.sub(x).reshape(1, 100_000);
        assertTrue(NoiseStatistics.ksPValue(diff.toDoubleVector(), 0.01) > 1e-3);
    }

    @Test
    void maskIsRespected() {
        int n = 10_000;
        INDArray x = Nd4j.rand(DataType.FLOAT, 1, n);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, 1, n);
        for (int i = 0; i < n; i += 3) {
            mask.putScalar(0, i, 1.0);
        }
        INDArray y = x.dup();
        fixedKey(5).addTo(y, 1.0, mask);
        int noised = 0;
        for (int i = 0; i < n; i++) {
            if (i % 3 == 0) {
                assertNotEquals(x.getFloat(0, i), y.getFloat(0, i), "element " + i + " should be noised");
                noised++;
            } else {
                assertEquals(Float.floatToIntBits(x.getFloat(0, i)), Float.floatToIntBits(y.getFloat(0, i)),
                        "element " + i + " must be untouched");
            }
        }
        double[] d = y.sub(x).castTo(DataType.DOUBLE).toDoubleVector();
        double[] picked = new double[noised];
        for (int i = 0, k = 0; i < n; i += 3) {
            picked[k++] = d[i];
        }
        assertTrue(NoiseStatistics.ksPValue(picked, 1.0) > 1e-3);
    }

    @Test
    void maskOverRankOneTargetAndBooleanMask() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 6);
        INDArray mask = Nd4j.createFromArray(true, false, true, false, false, true).reshape(1, 6);
        fixedKey(6).addTo(x, 1.0, mask);
        double[] v = x.toDoubleVector();
        assertTrue(v[0] != 0 && v[2] != 0 && v[5] != 0);
        assertTrue(v[1] == 0 && v[3] == 0 && v[4] == 0);
    }

    @Test
    void maskValidation() {
        SecureGaussianNoise noise = fixedKey(7);
        INDArray x = Nd4j.zeros(DataType.FLOAT, 1, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> noise.addTo(x, 1.0, Nd4j.createFromArray(new float[] {1, 0, 0.5f, 1}).reshape(1, 4)));
        assertTrue(e.getMessage().contains("0 or 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> noise.addTo(x, 1.0, Nd4j.ones(DataType.FLOAT, 1, 5)));
        assertTrue(e.getMessage().contains("[1, 4]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> noise.addTo(Nd4j.zeros(DataType.FLOAT, 2, 4), 1.0, Nd4j.ones(DataType.FLOAT, 1, 8)));
        assertThrows(IllegalArgumentException.class, () -> noise.addTo(x, 1.0, null));
    }

    @Test
    void viewsReceiveNoiseAndTheRestIsUntouched() {
        INDArray base = Nd4j.rand(DataType.FLOAT, 400, 300);
        INDArray before = base.dup();
        INDArray view = base.get(NDArrayIndex.interval(10, 310), NDArrayIndex.interval(50, 250));
        fixedKey(8).addTo(view, 0.5);
        INDArray changed = base.sub(before);
        INDArray inside = changed.get(NDArrayIndex.interval(10, 310), NDArrayIndex.interval(50, 250)).castTo(DataType.DOUBLE);
        INDArray outside = changed.dup();
        outside.get(NDArrayIndex.interval(10, 310), NDArrayIndex.interval(50, 250)).assign(0);
        assertEquals(0.0, outside.amaxNumber().doubleValue(), 0.0, "elements outside the view changed");
        // Float rounding of x + noise with x in [0, 1) is far below the tolerance of this check.
        assertNull(NoiseStatistics.stdMismatch(inside, 0.5));
    }

    @Test
    void fortranOrderAndRowViewsAreNoised() {
        INDArray f = Nd4j.create(DataType.DOUBLE, new long[] {1000, 200}, 'f');
        fixedKey(9).addTo(f, 3.0);
        assertNull(NoiseStatistics.stdMismatch(f, 3.0));
        INDArray m = Nd4j.zeros(DataType.DOUBLE, 5, 4);
        fixedKey(9).addTo(m.getRow(2), 1.0);
        for (int r = 0; r < 5; r++) {
            double rowSquares = m.getRow(r).mul(m.getRow(r)).sumNumber().doubleValue();
            assertEquals(r == 2, rowSquares > 0, "row " + r);
        }
    }

    @Test
    void outputIsOnTheGridForDoubles() {
        double std = 0.37;
        double g = SecureGaussianNoise.grid(std);
        assertEquals(0x1p-42, g, "0.37 = 1.48 * 2^-2, so g = 2^(-2 - 40)");
        INDArray x = Nd4j.rand(DataType.DOUBLE, 1, 50_000).subi(0.5).muli(7);
        fixedKey(10).addTo(x, std);
        for (double y : x.toDoubleVector()) {
            double cells = y / g;
            assertEquals(Math.rint(cells), cells, 0.0, "output " + y + " is not a multiple of g");
        }
    }

    /**
     * The core property: for the same randomness, inputs in the same grid cell give bit-identical
     * outputs, and inputs one cell apart give outputs exactly g apart. A naive x + std·Z with the same Z
     * does reveal the difference in its low bits, which shows the test is not vacuous.
     */
    @Test
    void lowBitsOfTheInputDoNotReachTheOutput() {
        double std = 1.3;
        double g = SecureGaussianNoise.grid(std);
        int n = 20_000;
        double[] base = new double[n];
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        for (int i = 0; i < n; i++) {
            base[i] = Math.rint(r.nextDouble(-3, 3) / g) * g;
        }
        double[] nearby = new double[n];
        double[] nextCell = new double[n];
        for (int i = 0; i < n; i++) {
            nearby[i] = base[i] + (i % 2 == 0 ? 0.3 : -0.3) * g;
            nextCell[i] = base[i] + g;
        }
        double[] yBase = noised(base, std, 12);
        double[] yNearby = noised(nearby, std, 12);
        double[] yNextCell = noised(nextCell, std, 12);
        assertArrayEquals(yBase, yNearby, 0.0, "inputs within one grid cell must give identical outputs");
        for (int i = 0; i < n; i++) {
            assertEquals(yBase[i] + g, yNextCell[i], 0.0, "one cell up must move the output by exactly g");
        }

        // The same normals, added naively, leak: outputs for base and nearby differ.
        SecureGaussianNoise z = fixedKey(12);
        int differing = 0;
        for (int i = 0; i < n; i++) {
            double zi = z.nextStandardNormal();
            if (base[i] + std * zi != nearby[i] + std * zi) {
                differing++;
            }
        }
        assertTrue(differing > n / 2, "naive addition should reveal the input's low bits, differing=" + differing);
    }

    @Test
    void floatInputsBelowTheGridAreInvisible() {
        // std = 2^30 gives g = 2^-10; 1.0f and the next float up (1 + 2^-23) share a grid cell.
        double std = 0x1p30;
        INDArray a = Nd4j.valueArrayOf(new long[] {1, 1000}, 1.0f);
        INDArray b = Nd4j.valueArrayOf(new long[] {1, 1000}, Math.nextUp(1.0f));
        fixedKey(13).addTo(a, std);
        fixedKey(13).addTo(b, std);
        assertEquals(a, b);
    }

    private static double[] noised(double[] x, double std, int key) {
        INDArray t = Nd4j.createFromArray(x);
        fixedKey(key).addTo(t, std);
        return t.toDoubleVector();
    }

    @Test
    void gridIsTheLargestPowerOfTwoBelowStdTimes2ToMinus40() {
        for (double std : new double[] {1.0, 1.5, 1.9999, 2.0, 0.1, 3e-5, 7e8}) {
            double g = SecureGaussianNoise.grid(std);
            assertEquals(Math.scalb(1.0, Math.getExponent(g)), g, 0.0, "grid must be a power of two");
            assertTrue(g <= std * 0x1p-40 && 2 * g > std * 0x1p-40, "std " + std + " grid " + g);
        }
        assertEquals(SecureGaussianNoise.grid(1.0) * 1000, SecureGaussianNoise.sensitivitySlack(1.0, 1_000_000), 0.0);
    }

    @Test
    void freshKeysGiveDifferentStreams() {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, 64);
        INDArray b = Nd4j.zeros(DataType.DOUBLE, 64);
        new SecureGaussianNoise().addTo(a, 1.0);
        new SecureGaussianNoise().addTo(b, 1.0);
        assertNotEquals(a, b);
        INDArray c = Nd4j.zeros(DataType.DOUBLE, 64);
        SecureGaussianNoise one = new SecureGaussianNoise();
        one.addTo(c, 1.0);
        INDArray d = Nd4j.zeros(DataType.DOUBLE, 64);
        one.addTo(d, 1.0);
        assertNotEquals(c, d, "one instance must not repeat its stream between calls");
    }

    @Test
    void invalidArgumentsAreRefused() {
        SecureGaussianNoise noise = fixedKey(14);
        INDArray x = Nd4j.zeros(DataType.FLOAT, 3);
        for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e-300}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> noise.addTo(x, bad));
            assertTrue(e.getMessage().contains("std"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> noise.addTo(Nd4j.zeros(DataType.INT, 3), 1.0));
        assertTrue(e.getMessage().contains("floating-point"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> noise.addTo(null, 1.0));
        assertThrows(IllegalArgumentException.class, () -> new SecureGaussianNoise(null));
    }

    @Test
    void emptyTargetAndNonFiniteValues() {
        SecureGaussianNoise noise = fixedKey(15);
        noise.addTo(Nd4j.create(DataType.FLOAT, 0, 3), 1.0);
        INDArray x = Nd4j.createFromArray(Double.NaN, Double.POSITIVE_INFINITY, 1e300, -1e300);
        noise.addTo(x, 1e-3);
        double[] v = x.toDoubleVector();
        assertTrue(Double.isNaN(v[0]));
        assertEquals(Double.POSITIVE_INFINITY, v[1]);
        assertTrue(Double.isFinite(v[2]) && Double.isFinite(v[3]));
    }

    @Test
    void describesItselfAsSecure() {
        SecureGaussianNoise noise = new SecureGaussianNoise();
        assertTrue(noise.secure());
        assertTrue(noise.description().contains("AES-256-CTR"));
        assertFalse(noise.description().isBlank());
        assertTrue(GaussianNoise.createSecure().secure());
    }
}
