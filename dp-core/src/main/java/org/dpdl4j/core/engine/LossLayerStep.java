package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/** LossLayer: an activation and a loss with no parameters. */
final class LossLayerStep extends ParameterFreeStep implements LossStep {

    private final IActivation activation;
    private final ILossFunction loss;
    private INDArray input;

    LossLayerStep(int index, LossLayer conf) {
        super(index);
        this.activation = conf.getActivationFn();
        this.loss = conf.getLossFn();
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        input = in;
        return activation.getActivation(in.dup(), training);
    }

    @Override
    public INDArray backwardFromLabels(INDArray labels, boolean needInputGradient) {
        return needInputGradient ? loss.computeGradient(labels, input.dup(), activation, null) : null;
    }

    @Override
    public INDArray perExampleLoss(INDArray labels) {
        return loss.computeScoreArray(labels, input.dup(), activation, null);
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        throw new IllegalStateException("a loss layer starts the backward pass from labels");
    }

    @Override
    public void clear() {
        input = null;
    }
}
