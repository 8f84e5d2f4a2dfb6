package org.dpdl4j.core.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.dpdl4j.core.clipping.FlatClipping;
import org.dpdl4j.core.clipping.PerLayerClipping;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * The two facts the privacy guarantee rests on, over random small architectures and data: every
 * clipped per-example gradient has norm ≤ C, and removing any one example changes the pre-noise
 * clipped sum by at most C (the add/remove sensitivity the noise is calibrated to).
 */
class ClippingSensitivityProperties {

    private static final Activation[] ACTIVATIONS = {Activation.TANH, Activation.RELU, Activation.SIGMOID,
        Activation.IDENTITY, Activation.SOFTPLUS, Activation.LEAKYRELU};

    @BeforeContainer
    static void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    static MultiLayerNetwork randomNet(long seed, boolean conv, int hidden, int width, int act, boolean softmax) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(seed).dataType(DataType.DOUBLE).list();
        if (conv) {
            b.layer(new ConvolutionLayer.Builder(2, 2).nOut(2).activation(ACTIVATIONS[act % ACTIVATIONS.length]).build());
            b.layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(1, 1).build());
        }
        for (int h = 0; h < hidden; h++) {
            b.layer(new DenseLayer.Builder().nOut(width + h).activation(ACTIVATIONS[(act + h) % ACTIVATIONS.length])
                    .hasLayerNorm(h % 2 == 1).build());
        }
        b.layer(softmax ? new OutputLayer.Builder(LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build()
                : new OutputLayer.Builder(LossFunction.MSE).nOut(3).activation(Activation.IDENTITY).build());
        b.setInputType(conv ? InputType.convolutional(5, 5, 1) : InputType.feedForward(4));
        MultiLayerNetwork net = new MultiLayerNetwork(b.build());
        net.init();
        return net;
    }

    static INDArray clippedSum(PerExampleEngine engine, INDArray x, INDArray y, double c) {
        PerExampleGradients g = engine.compute(x, y);
        g.writeClippedSumPerLayer(new FlatClipping(c).factors(g));
        return engine.network().getFlattenedGradients().dup();
    }

    @Property(tries = 40)
    void removingOneExampleMovesTheClippedSumByAtMostC(@ForAll @IntRange(min = 0, max = 2) int hidden,
                                                       @ForAll @IntRange(min = 1, max = 5) int width,
                                                       @ForAll @IntRange(min = 0, max = 5) int act,
                                                       @ForAll boolean conv, @ForAll boolean softmax,
                                                       @ForAll @IntRange(min = 2, max = 7) int batch,
                                                       @ForAll @DoubleRange(min = -3, max = 1) double log10C,
                                                       @ForAll @DoubleRange(min = -1, max = 2) double log10Scale,
                                                       @ForAll @IntRange(min = 0, max = 1000) int seed) {
        double c = Math.pow(10, log10C);
        MultiLayerNetwork net = randomNet(seed, conv, hidden, width, act, softmax);
        PerExampleEngine engine = PerExampleEngine.of(net);
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, conv ? new long[] {batch, 1, 5, 5} : new long[] {batch, 4})
                .muli(Math.pow(10, log10Scale));
        INDArray y = softmax ? Nd4j.eye(3).get(NDArrayIndex.indices(new long[batch]), NDArrayIndex.all()).dup()
                : Nd4j.randn(DataType.DOUBLE, batch, 3).muli(10);
        INDArray full = clippedSum(engine, x, y, c);
        for (int i = 0; i < batch; i++) {
            final int removed = i;
            long[] keep = java.util.stream.LongStream.range(0, batch).filter(j -> j != removed).toArray();
            INDArray without = clippedSum(engine, x.get(NDArrayIndex.indices(keep), NDArrayIndex.all()).dup(),
                    y.get(NDArrayIndex.indices(keep), NDArrayIndex.all()).dup(), c);
            double moved = full.sub(without).norm2Number().doubleValue();
            assertTrue(moved <= c * (1 + 1e-9), "removing example " + i + " moved the sum by " + moved + " > C=" + c);
        }
    }

    @Property(tries = 40)
    void everyClippedPerExampleGradientHasNormAtMostC(@ForAll @IntRange(min = 0, max = 2) int hidden,
                                                      @ForAll @IntRange(min = 1, max = 5) int width,
                                                      @ForAll @IntRange(min = 0, max = 5) int act,
                                                      @ForAll boolean conv,
                                                      @ForAll @IntRange(min = 1, max = 6) int batch,
                                                      @ForAll @DoubleRange(min = -3, max = 1) double log10C,
                                                      @ForAll boolean perLayer,
                                                      @ForAll @IntRange(min = 0, max = 1000) int seed) {
        double c = Math.pow(10, log10C);
        MultiLayerNetwork net = randomNet(seed, conv, hidden, width, act, true);
        PerExampleEngine engine = PerExampleEngine.of(net);
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, conv ? new long[] {batch, 1, 5, 5} : new long[] {batch, 4}).muli(5);
        INDArray y = Nd4j.eye(3).get(NDArrayIndex.indices(new long[batch]), NDArrayIndex.all()).dup();
        PerExampleGradients g = engine.compute(x, y);
        int layers = g.trainedLayers().length;
        double[] cs = new double[layers];
        java.util.Arrays.fill(cs, c / Math.sqrt(layers));
        INDArray factors = perLayer ? new PerLayerClipping(cs).factors(g) : new FlatClipping(c).factors(g);
        INDArray per = g.perExampleGradients();
        // scale each layer block of each example by its factor, as the clipped sum does
        INDArray scaled = per.dup();
        int[] trained = g.trainedLayers();
        long[] offsets = new long[net.getnLayers() + 1];
        for (int l = 0; l < net.getnLayers(); l++) {
            offsets[l + 1] = offsets[l] + net.getLayer(l).numParams();
        }
        for (int k = 0; k < trained.length; k++) {
            INDArray block = scaled.get(NDArrayIndex.all(), NDArrayIndex.interval(offsets[trained[k]], offsets[trained[k] + 1]));
            block.muliColumnVector(factors.getColumn(k).dup().reshape(batch, 1));
        }
        INDArray norms = scaled.norm2(1);
        double max = norms.maxNumber().doubleValue();
        assertTrue(max <= c * (1 + 1e-9), "a clipped gradient has norm " + max + " > C=" + c);
    }
}
