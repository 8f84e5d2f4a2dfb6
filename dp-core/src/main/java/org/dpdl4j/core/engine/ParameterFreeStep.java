package org.dpdl4j.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Base for steps without trainable parameters: they only transform activations and their gradients. */
abstract class ParameterFreeStep implements LayerStep {

    private final int index;

    ParameterFreeStep(int index) {
        this.index = index;
    }

    @Override
    public int layerIndex() {
        return index;
    }

    @Override
    public boolean trainable() {
        return false;
    }

    @Override
    public void addSquaredNorms(INDArray acc) {
    }

    @Override
    public void writeClippedSum(INDArray factors) {
    }

    @Override
    public void writePerExampleGradients(INDArray out, long offset) {
    }
}
