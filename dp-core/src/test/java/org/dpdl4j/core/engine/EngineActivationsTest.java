package org.dpdl4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.dropout.Dropout;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** {@link PerExampleEngine#activations}: DL4J's inference-mode activations, from the engine's native-op steps. */
class EngineActivationsTest {

    private static void assertSameAsDl4j(MultiLayerNetwork net, INDArray x) {
        PerExampleEngine engine = PerExampleEngine.of(net);
        INDArray params = net.params().dup();
        for (int layer = 0; layer < net.getnLayers() - 1; layer++) {
            INDArray expected = net.feedForwardToLayer(layer, x, false).get(layer + 1);
            INDArray got = engine.activations(x, layer);
            assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(got.shape()), "layer " + layer);
            double diff = Nd4j.math().abs(got.sub(expected)).maxNumber().doubleValue();
            assertTrue(diff < 1e-12, "layer " + layer + ": max |engine - DL4J| = " + diff);
        }
        // A second, smaller batch through the reused buffers: still right, and the first result was a copy.
        INDArray first = engine.activations(x, 1);
        INDArray small = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2));
        assertTrue(engine.activations(small, 1).equalsWithEps(net.feedForwardToLayer(1, small, false).get(2), 1e-12));
        assertEquals(net.feedForwardToLayer(1, x, false).get(2), first, "earlier result untouched by the next call");
        assertEquals(params, net.params(), "inference changes no parameter");
    }

    @Test
    void convolutionalNetworkActivationsEqualDl4jInferenceAtEveryLayer() {
        assertSameAsDl4j(TestNetworks.cnn(3), TestNetworks.randn(4, 7, 2, 9, 9));
    }

    @Test
    void dropoutIsOffInInference() {
        MultiLayerNetwork net = TestNetworks.init(TestNetworks.base(5)
                .layer(new DenseLayer.Builder().nIn(6).nOut(8).activation(Activation.RELU).dropOut(new Dropout(0.5)).build())
                .layer(new DropoutLayer.Builder(new Dropout(0.3)).build())
                .layer(new DenseLayer.Builder().nIn(8).nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX).build()));
        assertSameAsDl4j(net, TestNetworks.randn(6, 9, 6));
    }

    @Test
    void refusesABadLayerIndexAndAnEmptyBatch() {
        MultiLayerNetwork net = TestNetworks.mlp(1);
        PerExampleEngine engine = PerExampleEngine.of(net);
        assertThrows(IllegalArgumentException.class, () -> engine.activations(TestNetworks.randn(1, 3, 6), 3));
        assertThrows(IllegalArgumentException.class, () -> engine.activations(TestNetworks.randn(1, 3, 6), -1));
        assertThrows(IllegalArgumentException.class, () -> engine.activations(Nd4j.create(0, 6), 0));
    }
}
