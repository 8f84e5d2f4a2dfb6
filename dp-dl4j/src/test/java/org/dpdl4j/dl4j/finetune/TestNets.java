package org.dpdl4j.dl4j.finetune;

import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** Small networks and data for the fine-tuning tests. */
final class TestNets {

    private TestNets() {
    }

    /**
     * A tiny CNN on 8x8 inputs with L1, L2 and weight decay everywhere (global settings), so that any
     * layer DL4J touches would drift: conv 4@3x3, max-pool, dense 12, softmax 3 (layers 0..3).
     */
    static MultiLayerNetwork regularizedCnn(long seed, DataType type) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(type).updater(new Nesterovs(0.05, 0.9))
                .l1(1e-3).l2(1e-2).weightDecay(1e-2)
                .weightInit(WeightInit.XAVIER).convolutionMode(ConvolutionMode.Truncate)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).name("conv").build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(12).activation(Activation.TANH).name("dense").build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX)
                        .name("out").build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /** n examples of 64 features in 3 classes whose means differ. */
    static DataSet data(int n, long seed, DataType type) {
        Nd4j.getRandom().setSeed(seed);
        java.util.Random r = new java.util.Random(seed);
        INDArray x = Nd4j.rand(type, n, 64);
        INDArray y = Nd4j.zeros(type, n, 3);
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            y.putScalar(i, c, 1);
            x.getRow(i).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(c * 16, c * 16 + 16)).addi(0.8);
        }
        return new DataSet(x, y);
    }
}
