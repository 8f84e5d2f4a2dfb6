package org.dpdl4j.dl4j.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.dl4j.features.Inputs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The closed-form per-example gradients and the clipped sum against DL4J and against the DP contract. */
class HeadGradientsTest {

    static INDArray randomLabels(int n, int k, long seed) {
        java.util.Random r = new java.util.Random(seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(k);
        }
        return Inputs.oneHot(y, k, DataType.DOUBLE);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void perExampleGradientsEqualDl4jOneExampleGradients(boolean bias) {
        int n = 12;
        int d = 7;
        int k = 4;
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d).muli(1.5);
        INDArray y = randomLabels(n, k, 3);
        INDArray w = Nd4j.randn(DataType.DOUBLE, d, k).muli(0.7);
        INDArray b = bias ? Nd4j.randn(DataType.DOUBLE, 1, k) : null;
        PrivateLinearHead head = PrivateLinearHead.of(w, b);

        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new Sgd(1.0)).list()
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(d).nOut(k).activation(Activation.SOFTMAX)
                        .hasBias(bias).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        net.getLayer(0).setParam("W", w);
        if (bias) {
            net.getLayer(0).setParam("b", b);
        }

        INDArray mine = head.perExampleGradients(x, y);
        INDArray norms = head.perExampleGradientNorms(x, y);
        for (int i = 0; i < n; i++) {
            Pair<Gradient, INDArray> g = net.calculateGradients(x.getRow(i, true), y.getRow(i, true), null, null);
            INDArray gw = g.getFirst().getGradientFor("0_W").reshape('c', d, k);
            INDArray expected = gw.reshape('c', 1, (long) d * k);
            if (bias) {
                expected = Nd4j.hstack(expected, g.getFirst().getGradientFor("0_b").reshape(1, k));
            }
            INDArray row = mine.getRow(i, true);
            double maxDiff = Nd4j.math().abs(row.sub(expected)).maxNumber().doubleValue();
            assertTrue(maxDiff < 1e-10, "example " + i + ": max |closed form - DL4J| = " + maxDiff);
            assertEquals(expected.norm2Number().doubleValue(), norms.getDouble(i), 1e-10, "norm of example " + i);
        }
    }

    @Test
    void clippedSumIsXTransposeTimesScaledResidualsAndEachTermHasNormAtMostC() {
        int n = 40;
        int d = 9;
        int k = 3;
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d).muli(0.3);
        INDArray y = randomLabels(n, k, 9);
        PrivateLinearHead head = PrivateLinearHead.of(Nd4j.randn(DataType.DOUBLE, d, k), Nd4j.randn(DataType.DOUBLE, 1, k));
        double c = 0.8;
        INDArray per = head.perExampleGradients(x, y);
        INDArray norms = per.norm2(1);
        INDArray scale = norms.rdiv(c);
        INDArray clipped = per.mulColumnVector(org.nd4j.linalg.ops.transforms.Transforms.min(scale, 1.0).reshape(n, 1));
        INDArray expected = clipped.sum(0);
        INDArray[] sum = head.clippedGradientSum(x, y, c);
        INDArray got = Nd4j.hstack(sum[0].reshape('c', 1, (long) d * k), sum[1]).reshape((long) d * k + k);
        assertTrue(Nd4j.math().abs(got.sub(expected)).maxNumber().doubleValue() < 1e-10);
        assertTrue(clipped.norm2(1).maxNumber().doubleValue() <= c + 1e-12);
        assertTrue(norms.maxNumber().doubleValue() > c && norms.minNumber().doubleValue() < c,
                "the test must exercise both clipped and unclipped examples");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void removingOneExampleMovesThePreNoiseSumByAtMostC(boolean bias) {
        int n = 30;
        int d = 6;
        int k = 5;
        double c = 0.25;
        Nd4j.getRandom().setSeed(21);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d).muli(4);
        INDArray y = randomLabels(n, k, 2);
        PrivateLinearHead head = PrivateLinearHead.of(Nd4j.randn(DataType.DOUBLE, d, k),
                bias ? Nd4j.randn(DataType.DOUBLE, 1, k) : null);
        INDArray[] full = head.clippedGradientSum(x, y, c);
        double largest = 0;
        for (int j = 0; j < n; j++) {
            int skip = j;
            int[] keep = java.util.stream.IntStream.range(0, n).filter(i -> i != skip).toArray();
            INDArray[] without = head.clippedGradientSum(x.getRows(keep), y.getRows(keep), c);
            double dw = full[0].sub(without[0]).norm2Number().doubleValue();
            double db = bias ? full[1].sub(without[1]).norm2Number().doubleValue() : 0;
            double move = Math.sqrt(dw * dw + db * db);
            assertTrue(move <= c * (1 + 1e-12), "removing example " + j + " moved the sum by " + move);
            largest = Math.max(largest, move);
        }
        assertEquals(c, largest, 1e-9, "with large features every example is clipped to exactly C");
    }

    @Test
    void floatHeadMatchesDoubleHead() {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 50, 8);
        INDArray y = randomLabels(50, 3, 1);
        PrivateLinearHead hd = PrivateLinearHead.of(Nd4j.randn(DataType.DOUBLE, 8, 3), Nd4j.zeros(DataType.DOUBLE, 1, 3));
        PrivateLinearHead hf = PrivateLinearHead.of(hd.weights().castTo(DataType.FLOAT), hd.bias().castTo(DataType.FLOAT));
        INDArray[] a = hd.clippedGradientSum(x, y, 1.0);
        INDArray[] b = hf.clippedGradientSum(x.castTo(DataType.FLOAT), y.castTo(DataType.FLOAT), 1.0);
        assertTrue(Nd4j.math().abs(a[0].sub(b[0].castTo(DataType.DOUBLE))).maxNumber().doubleValue() < 1e-4);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void rowSplitClippedSumEqualsUnsplitAndKeepsSensitivityAcrossTheSplit(boolean bias) {
        int n = 2 * (int) PrivateLinearHead.MIN_ROWS_PER_PART + 101;
        int d = 7;
        int k = 4;
        double c = 0.5;
        org.junit.jupiter.api.Assumptions.assumeTrue(org.dpdl4j.core.parallel.RowParallel.parts(n,
                PrivateLinearHead.MIN_ROWS_PER_PART) >= 2, "needs at least 2 BLAS threads and processors to split");
        Nd4j.getRandom().setSeed(33);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, d).muli(2);
        INDArray y = randomLabels(n, k, 4);
        PrivateLinearHead head = PrivateLinearHead.of(Nd4j.randn(DataType.DOUBLE, d, k),
                bias ? Nd4j.randn(DataType.DOUBLE, 1, k) : null);
        INDArray[] split = head.clippedGradientSum(x, y, c);
        INDArray[] serial;
        System.setProperty("dpdl4j.rowparallel", "false");
        try {
            serial = head.clippedGradientSum(x, y, c);
        } finally {
            System.clearProperty("dpdl4j.rowparallel");
        }
        assertTrue(Nd4j.math().abs(split[0].sub(serial[0])).maxNumber().doubleValue() < 1e-10);
        if (bias) {
            assertTrue(Nd4j.math().abs(split[1].sub(serial[1])).maxNumber().doubleValue() < 1e-10);
        }
        // Remove rows on both sides of the split point and at the ends: each moves the sum by at most C.
        for (int j : new int[] {0, n / 2 - 1, n / 2, n - 1}) {
            int skip = j;
            int[] keep = java.util.stream.IntStream.range(0, n).filter(i -> i != skip).toArray();
            INDArray[] without = head.clippedGradientSum(x.getRows(keep), y.getRows(keep), c);
            double dw = split[0].sub(without[0]).norm2Number().doubleValue();
            double db = bias ? split[1].sub(without[1]).norm2Number().doubleValue() : 0;
            assertTrue(Math.sqrt(dw * dw + db * db) <= c * (1 + 1e-9), "removing row " + j + " moved the sum too far");
        }
    }
}
