package org.dpdl4j.core.noise;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Statistical checks shared by the noise tests. Each returns a verdict so tests can also check that it rejects wrong noise. */
final class NoiseStatistics {

    private NoiseStatistics() {
    }

    /** Noise alone: {@code rows × cols} zeros of {@code type} after one addTo, as doubles. */
    static INDArray noiseMatrix(GaussianNoise noise, DataType type, int rows, int cols, double std) {
        INDArray target = Nd4j.zeros(type, rows, cols);
        noise.addTo(target, std);
        return target.castTo(DataType.DOUBLE);
    }

    /** KS p-value of {@code samples / std} against N(0, 1). */
    static double ksPValue(double[] samples, double std) {
        double[] z = new double[samples.length];
        for (int i = 0; i < z.length; i++) {
            z[i] = samples[i] / std;
        }
        return new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new NormalDistribution(null, 0, 1), z);
    }

    /**
     * Whether the noise in a [T, d] matrix has standard deviation {@code std} in every coordinate:
     * the pooled std within 1% (its standard error at 10^6 values is 0.07%, so 5% off fails by far),
     * the pooled mean within 5 standard errors of 0, and every column's std within 6 of its standard
     * errors (std/√(2T)), which catches a single coordinate left without noise or with the wrong scale.
     */
    static String stdMismatch(INDArray noise, double std) {
        long rows = noise.rows();
        double pooledMean = noise.meanNumber().doubleValue();
        double pooledStd = Math.sqrt(noise.mul(noise).meanNumber().doubleValue());
        if (Math.abs(pooledStd / std - 1) > 0.01) {
            return "pooled std " + pooledStd + " is not within 1% of " + std;
        }
        double meanSe = std / Math.sqrt(noise.length());
        if (Math.abs(pooledMean) > 5 * meanSe) {
            return "pooled mean " + pooledMean + " is more than 5 standard errors from 0";
        }
        double[] columnStd = noise.mul(noise).mean(0).castTo(DataType.DOUBLE).toDoubleVector();
        double columnSe = std / Math.sqrt(2.0 * rows);
        for (int j = 0; j < columnStd.length; j++) {
            double s = Math.sqrt(columnStd[j]);
            if (Math.abs(s - std) > 6 * columnSe) {
                return "coordinate " + j + " has std " + s + ", expected " + std + " ± " + 6 * columnSe;
            }
        }
        return null;
    }
}
