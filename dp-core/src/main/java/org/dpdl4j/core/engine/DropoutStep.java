package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.nd4j.linalg.api.ndarray.INDArray;

/** DropoutLayer: per-element dropout in training mode, identity in inference. */
final class DropoutStep extends ParameterFreeStep {

    private final DropoutHelper dropout;

    DropoutStep(int index, IDropout dropout) {
        super(index);
        this.dropout = new DropoutHelper(dropout, true);
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        return dropout.apply(in, training);
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        return needInputGradient ? dropout.backprop(epsilon) : null;
    }

    @Override
    public void clear() {
    }
}
