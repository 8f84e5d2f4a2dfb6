package org.dpdl4j.examples.models;

import java.util.Objects;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.GradientNormalization;
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
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/**
 * Reference architectures for 28x28 grey-scale, 10-class images (Fashion-MNIST, MNIST), as plain DL4J networks that
 * the DP engine can train and that can be timed non-privately for comparison.
 *
 * <p>Both take features as {@code [N, 784]} rows. The CNN is declared with
 * {@link InputType#convolutionalFlat(long, long, long)}, whose preprocessor reshapes {@code [N, 784]} to
 * {@code [N, 1, 28, 28]} and passes {@code [N, 1, 28, 28]} through unchanged, so it accepts either layout; a network
 * declared with {@link InputType#convolutional(long, long, long)} would reject the flat rows.
 *
 * <p>Neither uses batch normalisation (it mixes examples in a batch, which breaks per-example clipping) nor gradient
 * normalisation (clipping is the DP trainer's job, and a second clip would change the sensitivity analysis).
 */
public final class ReferenceModels {

    /** Inputs per example: 28 x 28 x 1. */
    public static final int INPUTS = 28 * 28;
    /** Output classes. */
    public static final int CLASSES = 10;
    /** Hidden width of {@link #mlp}. */
    public static final int MLP_HIDDEN = 256;

    private ReferenceModels() {
    }

    /** {@link #mlp(long, IUpdater, DataType)} in FLOAT. */
    public static MultiLayerNetwork mlp(long seed, IUpdater updater) {
        return mlp(seed, updater, DataType.FLOAT);
    }

    /** The multilayer perceptron 784-256-10 with ReLU hidden units and a softmax output, initialised. */
    public static MultiLayerNetwork mlp(long seed, IUpdater updater, DataType dataType) {
        return init(mlpConfiguration(seed, updater, dataType));
    }

    /** Configuration of {@link #mlp}: 203,530 parameters. */
    public static MultiLayerConfiguration mlpConfiguration(long seed, IUpdater updater, DataType dataType) {
        return base(seed, updater, dataType)
                .list()
                .layer(new DenseLayer.Builder().nIn(INPUTS).nOut(MLP_HIDDEN)
                        .activation(Activation.RELU).weightInit(WeightInit.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.feedForward(INPUTS))
                .build();
    }

    /**
     * A wider MLP 784-1024-256-10 (ReLU, softmax output) with 1,068,810 parameters: the "1M-parameter model"
     * on which the cost of secure noise per step is benchmarked.
     */
    public static MultiLayerNetwork wideMlp(long seed, IUpdater updater, DataType dataType) {
        return init(base(seed, updater, dataType)
                .list()
                .layer(new DenseLayer.Builder().nIn(INPUTS).nOut(1024).activation(Activation.RELU).weightInit(WeightInit.RELU).build())
                .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).weightInit(WeightInit.RELU).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .setInputType(InputType.feedForward(INPUTS))
                .build());
    }

    /** {@link #tramerBonehCnn(long, IUpdater, DataType)} in FLOAT. */
    public static MultiLayerNetwork tramerBonehCnn(long seed, IUpdater updater) {
        return tramerBonehCnn(seed, updater, DataType.FLOAT);
    }

    /**
     * The end-to-end CNN for Fashion-MNIST of Tramèr and Boneh, "Differentially Private Learning Needs Better
     * Features (or Much More Data)", ICLR 2021, initialised. Layer outputs (C x H x W):
     * conv 8x8/2 pad 3 to 16x14x14, max-pool 2x2/1 to 16x13x13, conv 4x4/2 to 32x5x5, max-pool 2x2/1 to 32x4x4,
     * dense 32, softmax 10; tanh throughout, 26,010 parameters.
     */
    public static MultiLayerNetwork tramerBonehCnn(long seed, IUpdater updater, DataType dataType) {
        return init(tramerBonehCnnConfiguration(seed, updater, dataType));
    }

    /** Configuration of {@link #tramerBonehCnn}. */
    public static MultiLayerConfiguration tramerBonehCnnConfiguration(long seed, IUpdater updater,
            DataType dataType) {
        return base(seed, updater, dataType)
                .weightInit(WeightInit.XAVIER)
                // Truncate floors (13 - 4) / 2 + 1 to 5 for the second convolution, as PyTorch does; Strict would
                // reject that geometry and Same would pad it.
                .convolutionMode(ConvolutionMode.Truncate)
                .list()
                .layer(new ConvolutionLayer.Builder(8, 8).stride(2, 2).padding(3, 3).nOut(16)
                        .activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(1, 1).build())
                .layer(new ConvolutionLayer.Builder(4, 4).stride(2, 2).padding(0, 0).nOut(32)
                        .activation(Activation.TANH).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX)
                        .kernelSize(2, 2).stride(1, 1).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1))
                .build();
    }

    /** Channels of the ScatterNet input of {@link #scatterNetCnn}: J = 2, L = 8, order 2. */
    public static final int SCATTER_CHANNELS = 81;
    /** Side of the ScatterNet input of {@link #scatterNetCnn} (7×7 for 28×28 images). */
    public static final int SCATTER_SIDE = 7;

    /**
     * The small CNN that Tramèr and Boneh (ICLR 2021) train on (group-normalised) ScatterNet features of
     * Fashion-MNIST, initialised. Input: rows of 81·7·7 values, channel-major. Layer outputs (C x H x W):
     * conv 3x3/2 pad 1 to 16x4x4, conv 3x3/1 pad 1 to 32x4x4, dense 32, softmax 10; tanh throughout,
     * 33,066 parameters. No normalisation layer: the per-example GroupNorm is applied to the features first.
     */
    public static MultiLayerNetwork scatterNetCnn(long seed, IUpdater updater, DataType dataType) {
        return init(scatterNetCnnConfiguration(seed, updater, dataType));
    }

    /** Configuration of {@link #scatterNetCnn}. */
    public static MultiLayerConfiguration scatterNetCnnConfiguration(long seed, IUpdater updater, DataType dataType) {
        return base(seed, updater, dataType)
                .weightInit(WeightInit.XAVIER)
                .convolutionMode(ConvolutionMode.Truncate)
                .list()
                .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(16)
                        .activation(Activation.TANH).build())
                .layer(new ConvolutionLayer.Builder(3, 3).stride(1, 1).padding(1, 1).nOut(32)
                        .activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(SCATTER_SIDE, SCATTER_SIDE, SCATTER_CHANNELS))
                .build();
    }

    private static NeuralNetConfiguration.Builder base(long seed, IUpdater updater, DataType dataType) {
        Objects.requireNonNull(updater, "updater");
        Objects.requireNonNull(dataType, "dataType");
        if (!dataType.isFPType()) {
            throw new IllegalArgumentException("data type must be floating point, was " + dataType);
        }
        return new NeuralNetConfiguration.Builder()
                .seed(seed)
                .updater(updater)
                .dataType(dataType)
                .gradientNormalization(GradientNormalization.None);
    }

    private static MultiLayerNetwork init(MultiLayerConfiguration conf) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }
}
