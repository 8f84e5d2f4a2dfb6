package org.dpdl4j.dl4j.finetune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.training.DpSgdConfig;
import org.dpdl4j.core.training.DpSgdTrainer;
import org.dpdl4j.core.training.SamplingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Auto-RGN's noise correction, tested statistically: ‖g̃‖² − d·s² must be an unbiased estimate of ‖g‖²
 * (z-tests against the exact variance 2d·s⁴ + 4s²‖g‖²), while the uncorrected ‖g̃‖² is biased by d·s²;
 * first on synthetic vectors, then on the gradients the DP trainer actually releases.
 */
class AutoRgnTest {

    @TempDir
    Path dir;

    /** z-score bound: with the handful of tests below, a false failure has probability below 1e-4. */
    private static final double Z = 4.5;

    @Test
    void correctedSquaredNormIsUnbiasedAndTheUncorrectedOneIsNot() {
        Random rng = new Random(12345);
        int d = 400;
        double s = 0.05; // d·s² = 1.0
        double[] g = new double[d];
        for (int i = 0; i < d; i++) {
            g[i] = rng.nextGaussian();
        }
        double norm2 = 0;
        for (double v : g) {
            norm2 += v * v;
        }
        double scaleG = Math.sqrt(0.3 / norm2); // ‖g‖² = 0.3, smaller than the noise term
        norm2 = 0;
        for (int i = 0; i < d; i++) {
            g[i] *= scaleG;
            norm2 += g[i] * g[i];
        }
        int m = 4000;
        double sum = 0;
        double sumSq = 0;
        double rawSum = 0;
        for (int t = 0; t < m; t++) {
            double noisy = 0;
            for (int i = 0; i < d; i++) {
                double v = g[i] + s * rng.nextGaussian();
                noisy += v * v;
            }
            double est = AutoRgn.correctedSquaredNorm(noisy, d, s);
            sum += est;
            sumSq += est * est;
            rawSum += noisy;
        }
        double variance = 2.0 * d * Math.pow(s, 4) + 4 * s * s * norm2;
        double se = Math.sqrt(variance / m);
        double mean = sum / m;
        assertTrue(Math.abs(mean - norm2) < Z * se, "corrected mean " + mean + " vs " + norm2 + ", se " + se);
        double rawBias = rawSum / m - norm2;
        assertTrue(Math.abs(rawBias - d * s * s) < Z * se, "uncorrected bias " + rawBias + " should be d s^2");
        assertTrue(rawBias > 50 * se, "the uncorrected estimate must be visibly biased");
        double empiricalVar = sumSq / m - mean * mean;
        // Sample variance of 4000 near-Gaussian draws: relative sd about sqrt(2/4000) = 2.2%.
        assertEquals(variance, empiricalVar, 0.12 * variance, "variance 2ds^4 + 4s^2|g|^2");
    }

    @Test
    void correctionHoldsOnTheGradientsTheTrainerReleases() {
        // Full batch and a zero learning rate: the clipped sum is the same at every step, only the noise changes.
        MultiLayerNetwork net = TestNets.regularizedCnn(21, DataType.DOUBLE);
        DataSet data = TestNets.data(120, 22, DataType.DOUBLE);
        Set<Integer> trained = Set.of(0, 2, 3);
        MultiLayerNetwork work = PhaseNetworks.forPhase(net, trained, new Sgd(0.0));
        ParameterTensors tensors = ParameterTensors.of(work, trained);
        int k = tensors.tensors().size();
        double c = 1.0;
        // The exact clipped mean gradient: the same run with negligible noise.
        double[] truth = new double[k];
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(work, data, config(c, 1e-9, "truth.jsonl"), trained)) {
            t.setReleasedGradientHook((g, std, step) -> {
                for (int i = 0; i < k; i++) {
                    truth[i] = ParameterTensors.squaredNorm(g, tensors.tensors().get(i));
                }
            });
            t.step();
        }
        double sigma = 3.0;
        int steps = 120;
        double[] sum = new double[k];
        double[] raw = new double[k];
        double[] stdSeen = new double[1];
        try (DpSgdTrainer t = DpSgdTrainer.makePrivate(work, data, config(c, sigma, "noisy.jsonl"), trained)) {
            t.setReleasedGradientHook((g, std, step) -> {
                stdSeen[0] = std;
                for (int i = 0; i < k; i++) {
                    ParameterTensors.Tensor ti = tensors.tensors().get(i);
                    double noisy = ParameterTensors.squaredNorm(g, ti);
                    raw[i] += noisy;
                    sum[i] += AutoRgn.correctedSquaredNorm(noisy, ti.length(), std);
                }
            });
            for (int s = 0; s < steps; s++) {
                t.step();
            }
        }
        double s = sigma * c / 120;
        assertEquals(s, stdSeen[0], 1e-15, "the hook is told the noise std sigma*C/n");
        int biasedVisibly = 0;
        for (int i = 0; i < k; i++) {
            ParameterTensors.Tensor ti = tensors.tensors().get(i);
            double variance = 2.0 * ti.length() * Math.pow(s, 4) + 4 * s * s * truth[i];
            double se = Math.sqrt(variance / steps);
            double z = (sum[i] / steps - truth[i]) / se;
            assertTrue(Math.abs(z) < Z, ti.name() + ": corrected mean " + sum[i] / steps + " vs exact " + truth[i] + " (z=" + z + ")");
            double zRaw = (raw[i] / steps - truth[i]) / se;
            if (zRaw > 10) {
                biasedVisibly++;
            }
        }
        assertTrue(biasedVisibly >= k / 2, "the uncorrected norms should be far off for most tensors");
        // Multipliers from the corrected averages are close to the exact ones; from the raw norms they are not.
        double[] paramNorms = AutoRgn.parameterNorms(work, tensors);
        double[] exact = AutoRgn.normalizedScales(truth, paramNorms, 0);
        double[] corrected = AutoRgn.normalizedScales(divide(sum, steps), paramNorms, 0);
        double[] uncorrected = AutoRgn.normalizedScales(divide(raw, steps), paramNorms, 0);
        assertTrue(maxAbsDiff(exact, corrected) < maxAbsDiff(exact, uncorrected),
                "corrected " + java.util.Arrays.toString(corrected) + " raw " + java.util.Arrays.toString(uncorrected)
                        + " exact " + java.util.Arrays.toString(exact));
    }

    @Test
    void scalesAreNormalisedByTheMaximumWithZeroWeightTensorsAtOne() {
        double[] s = AutoRgn.normalizedScales(new double[] {4, 1, -3, 9}, new double[] {1, 1, 2, 0}, 0);
        assertArrayEquals(new double[] {1.0, 0.5, 0.0, 1.0}, s, 1e-15);
        assertArrayEquals(new double[] {1.0, 0.5, 0.2, 1.0},
                AutoRgn.normalizedScales(new double[] {4, 1, -3, 9}, new double[] {1, 1, 2, 0}, 0.2), 1e-15);
        assertArrayEquals(new double[] {1, 1}, AutoRgn.normalizedScales(new double[] {0, -1}, new double[] {1, 1}, 0), 0);
    }

    @Test
    void publicGradientNormsAreOfTheSummedLossWhateverTheChunking() {
        MultiLayerNetwork net = TestNets.regularizedCnn(5, DataType.DOUBLE);
        DataSet data = TestNets.data(700, 6, DataType.DOUBLE); // two chunks of 512 + 188
        ParameterTensors tensors = ParameterTensors.of(net, List.of(0, 2, 3));
        double[] chunked = AutoRgn.publicGradientSquaredNorms(net, data, tensors);
        INDArray whole = net.calculateGradients(data.getFeatures(), data.getLabels(), null, null).getFirst().gradient()
                .reshape(1, net.numParams()).dup();
        for (int i = 0; i < chunked.length; i++) {
            double expected = ParameterTensors.squaredNorm(whole, tensors.tensors().get(i));
            assertEquals(expected, chunked[i], 1e-9 * expected, tensors.tensors().get(i).name());
        }
    }

    private DpSgdConfig config(double c, double sigma, String ledger) {
        return DpSgdConfig.builder().clipNorm(c).noiseMultiplier(sigma).delta(1e-5).sampling(SamplingMode.FULL_BATCH)
                .seed(77).ledger(dir.resolve(ledger)).build();
    }

    private static double[] divide(double[] a, double b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] / b;
        }
        return out;
    }

    private static double maxAbsDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
