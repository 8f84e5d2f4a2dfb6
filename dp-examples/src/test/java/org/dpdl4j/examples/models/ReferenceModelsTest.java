package org.dpdl4j.examples.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

class ReferenceModelsTest {

    @Test
    void tramerBonehCnnHasThePublishedLayerShapes() {
        MultiLayerNetwork net = ReferenceModels.tramerBonehCnn(1, new Sgd(0.1));
        System.out.println("Tramer & Boneh CNN parameters: " + net.numParams());
        System.out.println(net.summary());
        assertEquals(26_010, net.numParams());

        List<INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 3, 784), false);
        long[][] expected = {
            {3, 784},
            {3, 16, 14, 14},
            {3, 16, 13, 13},
            {3, 32, 5, 5},
            {3, 32, 4, 4},
            {3, 32},
            {3, 10},
        };
        assertEquals(expected.length, acts.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], acts.get(i).shape(), "activation " + i);
            assertEquals(DataType.FLOAT, acts.get(i).dataType(), "activation " + i);
        }
    }

    @Test
    void scatterNetCnnHasThePublishedLayerShapes() {
        MultiLayerNetwork net = ReferenceModels.scatterNetCnn(1, new Sgd(0.1), DataType.FLOAT);
        assertEquals(81 * 9 * 16 + 16 + 16 * 9 * 32 + 32 + 512 * 32 + 32 + 32 * 10 + 10, net.numParams());
        assertEquals(33_066, net.numParams());
        List<INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 3, 81 * 49), false);
        long[][] expected = {{3, 3969}, {3, 16, 4, 4}, {3, 32, 4, 4}, {3, 32}, {3, 10}};
        assertEquals(expected.length, acts.size());
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], acts.get(i).shape(), "activation " + i);
        }
    }

    @Test
    void cnnAcceptsFlatRowsAndImagesAlike() {
        MultiLayerNetwork net = ReferenceModels.tramerBonehCnn(2, new Sgd(0.1));
        INDArray flat = Nd4j.rand(DataType.FLOAT, 4, 784);
        INDArray out = net.output(flat);
        assertArrayEquals(new long[] {4, 10}, out.shape());
        assertEquals(out, net.output(flat.reshape('c', 4, 1, 28, 28)));
        assertEquals(4.0, out.sumNumber().doubleValue(), 1e-5, "softmax rows sum to 1");
    }

    @Test
    void mlpIs784To256To10() {
        MultiLayerNetwork net = ReferenceModels.mlp(1, new Sgd(0.1));
        System.out.println("MLP 784-256-10 parameters: " + net.numParams());
        assertEquals(784 * 256 + 256 + 256 * 10 + 10, net.numParams());
        List<INDArray> acts = net.feedForward(Nd4j.rand(DataType.FLOAT, 5, 784), false);
        assertArrayEquals(new long[] {5, 256}, acts.get(1).shape());
        assertArrayEquals(new long[] {5, 10}, acts.get(2).shape());
        assertTrue(acts.get(1).minNumber().doubleValue() >= 0, "ReLU hidden layer");
    }

    @Test
    void seedDeterminesInitialParameters() {
        assertEquals(ReferenceModels.mlp(5, new Sgd(0.1)).params(), ReferenceModels.mlp(5, new Sgd(0.1)).params());
        assertFalse(ReferenceModels.tramerBonehCnn(5, new Sgd(0.1)).params()
                .equals(ReferenceModels.tramerBonehCnn(6, new Sgd(0.1)).params()));
    }

    @Test
    void dataTypeIsHonoured() {
        assertEquals(DataType.DOUBLE, ReferenceModels.mlp(1, new Sgd(0.1), DataType.DOUBLE).params().dataType());
        assertEquals(DataType.FLOAT, ReferenceModels.tramerBonehCnn(1, new Sgd(0.1)).params().dataType());
        assertThrows(IllegalArgumentException.class, () -> ReferenceModels.mlp(1, new Sgd(0.1), DataType.INT32));
    }

    @Test
    void noBatchNormalisationAndNoGradientNormalisation() {
        for (MultiLayerConfiguration conf : List.of(
                ReferenceModels.mlpConfiguration(1, new Sgd(0.1), DataType.FLOAT),
                ReferenceModels.tramerBonehCnnConfiguration(1, new Sgd(0.1), DataType.FLOAT))) {
            for (NeuralNetConfiguration layerConf : conf.getConfs()) {
                assertFalse(layerConf.getLayer() instanceof BatchNormalization);
                if (layerConf.getLayer() instanceof BaseLayer base) {
                    assertEquals(GradientNormalization.None, base.getGradientNormalization());
                }
            }
        }
    }
}
