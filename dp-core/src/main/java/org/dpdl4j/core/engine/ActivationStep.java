package org.dpdl4j.core.engine;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/** ActivationLayer: an element-wise activation function. */
final class ActivationStep extends ParameterFreeStep {

    private final IActivation activation;
    private INDArray input;

    ActivationStep(int index, IActivation activation) {
        super(index);
        this.activation = activation;
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        input = in;
        return activation.getActivation(in.dup(), training);
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        return needInputGradient ? activation.backprop(input.dup(), epsilon).getFirst() : null;
    }

    @Override
    public void clear() {
        input = null;
    }
}
