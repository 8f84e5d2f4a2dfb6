package org.dpdl4j.dl4j.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.dpdl4j.dl4j.features.Inputs;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NeuralCollapseTest {

    /** Class means at a simplex ETF (e_c − 1/K) scaled, plus within-class noise. */
    static INDArray[] etfData(int k, int perClass, double noise, long seed) {
        int n = k * perClass;
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % k;
        }
        INDArray y = Inputs.oneHot(labels, k, DataType.DOUBLE);
        INDArray etf = Nd4j.eye(k).castTo(DataType.DOUBLE).subi(1.0 / k).muli(5);
        Nd4j.getRandom().setSeed(seed);
        INDArray x = y.mmul(etf).addi(Nd4j.randn(DataType.DOUBLE, n, k).muli(noise));
        return new INDArray[] {x, y};
    }

    @Test
    void perfectCollapseScoresZeroAndNoiseRaisesNc1() {
        INDArray[] exact = etfData(5, 40, 0.0, 1);
        NeuralCollapse.Result r = NeuralCollapse.onPublicData(exact[0], exact[1]);
        assertEquals(0.0, r.nc1(), 1e-12);
        assertEquals(-0.25, r.cosineMean(), 1e-12);
        assertEquals(0.0, r.cosineMaxError(), 1e-12);
        assertEquals(0.0, r.normCv(), 1e-12);
        assertEquals(0.0, r.etfDistance(), 1e-12);
        assertEquals(0.0, r.shiftMean(), 1e-12);
        assertEquals(NeuralCollapse.DataSource.PUBLIC, r.source());

        INDArray[] noisy = etfData(5, 400, 1.0, 2);
        NeuralCollapse.Result s = NeuralCollapse.onPublicData(noisy[0], noisy[1]);
        assertTrue(s.nc1() > 0.01, s.toString());
        // Within-class covariance I (noise 1), between-class Σ_B = 25/K·(I − 11ᵀ/K): NC1 = (K−1)/K · K/25 = 4/25.
        assertEquals(4.0 / 25.0, s.nc1(), 0.02);
    }

    @Test
    void privateDataNeedsTheOptInAndIsMarked() {
        INDArray[] d = etfData(3, 20, 0.1, 3);
        assertThrows(NullPointerException.class, () -> NeuralCollapse.onPrivateDataWithoutPrivacy(d[0], d[1], null));
        NeuralCollapse.Result r = NeuralCollapse.onPrivateDataWithoutPrivacy(d[0], d[1],
                NeuralCollapse.NonPrivateOptIn.I_UNDERSTAND_THESE_STATISTICS_ARE_NOT_PRIVATE);
        assertEquals(NeuralCollapse.DataSource.PRIVATE_NOT_PRIVATE, r.source());
        assertTrue(r.toString().contains("NOT private"));
    }

    @Test
    void perturbationsChangeAccuracyAsExpected() {
        INDArray[] d = etfData(4, 200, 0.3, 4);
        INDArray w = Nd4j.eye(4).castTo(DataType.DOUBLE);
        PrivateLinearHead head = PrivateLinearHead.of(w, null);
        double clean = Perturbation.none().accuracy(head, x -> x, d[0], d[1]);
        assertTrue(clean > 0.95, "clean " + clean);
        double small = Perturbation.gaussianOfNorm(0.1, 1).accuracy(head, x -> x, d[0], d[1]);
        double large = Perturbation.gaussianOfNorm(20, 1).accuracy(head, x -> x, d[0], d[1]);
        assertTrue(small > 0.9 && large < 0.6, small + " " + large);
        INDArray p = Perturbation.gaussianOfNorm(3, 2).apply(d[0]).sub(d[0]);
        assertEquals(3.0, p.norm2(1).meanNumber().doubleValue(), 1e-9);
        double offset = Perturbation.offset(new double[] {10, 0, 0, 0}).accuracy(head, x -> x, d[0], d[1]);
        assertEquals(0.25, offset, 0.05, "an offset along class 0 sends everything to class 0");
    }
}
