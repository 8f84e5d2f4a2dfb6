package org.dpdl4j.core.noise;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Manual throughput check, not a test (timings are machine-dependent): median time of addTo on
 * 1M-element float arrays, contiguous and as a strided view. Run with the test classpath:
 * {@code java -cp ... org.dpdl4j.core.noise.NoiseThroughputMain}.
 */
public final class NoiseThroughputMain {

    private NoiseThroughputMain() {
    }

    public static void main(String[] args) {
        int n = 1_000_000;
        INDArray contiguous = Nd4j.zeros(DataType.FLOAT, 1, n);
        INDArray view = Nd4j.zeros(DataType.FLOAT, 2000, 1000).get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 500));
        report("secure, contiguous", new SecureGaussianNoise(), contiguous, n);
        report("secure, strided view", new SecureGaussianNoise(), view, n);
        report("seeded, contiguous", new SeededGaussianNoise(1), contiguous, n);
    }

    private static void report(String name, GaussianNoise noise, INDArray target, int n) {
        int runs = 41;
        long[] times = new long[runs];
        for (int warm = 0; warm < 20; warm++) {
            noise.addTo(target, 1.0);
        }
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            noise.addTo(target, 1.0);
            times[r] = System.nanoTime() - t0;
        }
        java.util.Arrays.sort(times);
        double ms = times[runs / 2] / 1e6;
        System.out.printf("%-22s median %.1f ms per 1M floats = %.1fM values/s%n", name, ms, n / ms / 1e3);
    }
}
