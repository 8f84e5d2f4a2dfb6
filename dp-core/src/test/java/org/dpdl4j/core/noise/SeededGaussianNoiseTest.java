package org.dpdl4j.core.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class SeededGaussianNoiseTest {

    @Test
    void sameSeedAndStreamReproduce() {
        INDArray a = NoiseStatistics.noiseMatrix(new SeededGaussianNoise(42, 3), DataType.FLOAT, 10, 100, 1.0);
        INDArray b = NoiseStatistics.noiseMatrix(new SeededGaussianNoise(42, 3), DataType.FLOAT, 10, 100, 1.0);
        assertEquals(a, b);
    }

    @Test
    void streamsAndSeedsDiffer() {
        INDArray s0 = NoiseStatistics.noiseMatrix(new SeededGaussianNoise(42), DataType.DOUBLE, 1, 100, 1.0);
        SeededGaussianNoise next = new SeededGaussianNoise(42).nextStream();
        assertEquals(1, next.streamId());
        assertEquals(42, next.seed());
        INDArray s1 = NoiseStatistics.noiseMatrix(next, DataType.DOUBLE, 1, 100, 1.0);
        INDArray other = NoiseStatistics.noiseMatrix(new SeededGaussianNoise(43), DataType.DOUBLE, 1, 100, 1.0);
        assertNotEquals(s0, s1);
        assertNotEquals(s0, other);
        // A resumed stream must not be a shifted copy of the old one: no value of stream 1 appears in stream 0.
        Set<Double> first = new HashSet<>();
        for (double v : NoiseStatistics.noiseMatrix(new SeededGaussianNoise(42, 0), DataType.DOUBLE, 1, 20_000, 1.0).toDoubleVector()) {
            first.add(v);
        }
        for (double v : NoiseStatistics.noiseMatrix(new SeededGaussianNoise(42, 1), DataType.DOUBLE, 1, 20_000, 1.0).toDoubleVector()) {
            assertFalse(first.contains(v), "stream 1 replays a value of stream 0");
        }
    }

    @Test
    void derivedSeedsAreDistinctAcrossStreamsAndDomains() {
        Set<Long> seen = new HashSet<>();
        for (long stream = 0; stream < 10_000; stream++) {
            assertTrue(seen.add(SeededGaussianNoise.streamSeed(7, stream, 1)));
        }
        assertNotEquals(SeededGaussianNoise.streamSeed(7, 0, 1), SeededGaussianNoise.streamSeed(7, 0, 2));
    }

    @Test
    void distributionAndPerCoordinateStd() {
        double std = 2.15 * 0.1;
        INDArray noise = NoiseStatistics.noiseMatrix(new SeededGaussianNoise(1), DataType.FLOAT, 2000, 500, std);
        assertNull(NoiseStatistics.stdMismatch(noise, std));
        assertTrue(NoiseStatistics.ksPValue(noise.getRow(0).toDoubleVector(), std) > 1e-3);
        double p = NoiseStatistics.ksPValue(noise.reshape(1, noise.length()).toDoubleVector(), std);
        assertTrue(p > 1e-3, "KS p-value " + p);
    }

    @Test
    void maskIsRespected() {
        INDArray x = Nd4j.zeros(DataType.DOUBLE, 1, 1000);
        INDArray mask = Nd4j.zeros(DataType.DOUBLE, 1, 1000);
        mask.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 500)).assign(1);
        new SeededGaussianNoise(5).addTo(x, 1.0, mask);
        double[] v = x.toDoubleVector();
        for (int i = 0; i < 1000; i++) {
            assertEquals(i < 500, v[i] != 0, "element " + i);
        }
    }

    @Test
    void notSecureAndTheSeedStaysOutOfTheReport() {
        SeededGaussianNoise noise = new SeededGaussianNoise(987654321L, 2);
        assertFalse(noise.secure());
        assertTrue(noise.description().contains("NOT secure"));
        assertFalse(noise.description().contains("987654321"), noise.description());
        assertFalse(GaussianNoise.createSeeded(1).secure());
        assertThrows(IllegalArgumentException.class, () -> noise.addTo(Nd4j.zeros(DataType.FLOAT, 2), -1));
    }
}
