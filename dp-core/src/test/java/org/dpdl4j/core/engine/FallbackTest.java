package org.dpdl4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SeparableConvolution2D;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Layers without a one-pass implementation use the exact batch-size-1 fallback; frozen and subset training. */
class FallbackTest {

    @BeforeAll
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @Test
    void unsupportedLayerUsesTheExactFallback() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE).list()
                .layer(new SeparableConvolution2D.Builder(2, 2).nOut(3).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nOut(4).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(5, 5, 2)).build());
        net.init();
        PerExampleEngine engine = PerExampleEngine.of(net);
        assertTrue(engine.usesFallback());
        assertTrue(engine.fallbackReason().contains("SeparableConvolution2D"), engine.fallbackReason());
        INDArray x = TestNetworks.randn(1, 6, 2, 5, 5);
        INDArray y = TestNetworks.oneHot(6, 3, 2);
        INDArray ref = PerExampleExactnessTest.referenceGradients(net, x, y);
        PerExampleGradients g = engine.compute(x, y);
        PerExampleExactnessTest.assertClose(ref, g.perExampleGradients(), 1e-12, "fallback per-example gradients");
        Nd4j.getRandom().setSeed(3);
        INDArray c = Nd4j.rand(DataType.DOUBLE, 6);
        g.writeClippedSum(c);
        PerExampleExactnessTest.assertClose(c.reshape(1, 6).mmul(ref), net.getFlattenedGradients().reshape(1, net.numParams()),
                1e-12, "fallback clipped sum");
    }

    @Test
    void frozenLayersGetNoGradientAndBackpropPassesThroughFrozenLayerWithBackprop() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(6).dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new FrozenLayerWithBackprop(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.RELU).build()))
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(4).nOut(3).activation(Activation.SOFTMAX).build()).build());
        net.init();
        PerExampleEngine engine = PerExampleEngine.of(net);
        assertFalse(engine.usesFallback(), String.valueOf(engine.fallbackReason()));
        assertEquals(Set.of(0, 2), engine.trainableLayers());
        INDArray x = TestNetworks.randn(2, 5, 4);
        INDArray y = TestNetworks.oneHot(5, 3, 3);
        INDArray ref = PerExampleExactnessTest.referenceGradients(net, x, y);
        INDArray per = engine.compute(x, y).perExampleGradients();
        PerExampleExactnessTest.assertClose(ref, per, 1e-10, "gradients through a frozen layer");
        long frozenStart = net.getLayer(0).numParams();
        long frozenEnd = frozenStart + net.getLayer(1).numParams();
        INDArray frozenBlock = per.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(frozenStart, frozenEnd));
        assertEquals(0.0, frozenBlock.norm2Number().doubleValue(), 0.0, "frozen parameters get no gradient");
        assertEquals(0.0, engine.trainableMask().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(frozenStart, frozenEnd)).sumNumber().doubleValue(), 0.0,
                "and no noise");
    }

    @Test
    void trainingASubsetOfLayersMasksTheRest() {
        MultiLayerNetwork net = TestNetworks.mlp(7);
        PerExampleEngine engine = PerExampleEngine.of(net, Set.of(2));
        INDArray x = TestNetworks.randn(4, 3, 6);
        INDArray y = TestNetworks.oneHot(3, 3, 5);
        INDArray per = engine.compute(x, y).perExampleGradients();
        long head = net.getLayer(0).numParams() + net.getLayer(1).numParams();
        assertEquals(0.0, per.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, head)).norm2Number().doubleValue(), 0.0);
        assertTrue(per.norm2Number().doubleValue() > 0);
        var e = assertThrows(UnsupportedModelException.class, () -> PerExampleEngine.of(net, Set.of(9)));
        assertTrue(e.getMessage().contains("out of range"), e.getMessage());
    }
}
