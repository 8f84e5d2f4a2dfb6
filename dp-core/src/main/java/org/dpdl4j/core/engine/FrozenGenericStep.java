package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A frozen layer of any type, run through DL4J in inference mode (a frozen BatchNorm uses its stored
 * statistics and never mixes examples). Backpropagation passes through it only for
 * FrozenLayerWithBackprop; a plain FrozenLayer stops it, as in DL4J.
 */
final class FrozenGenericStep extends ParameterFreeStep {

    private final Layer layer;
    private final boolean passesGradient;

    FrozenGenericStep(int index, Layer layer, boolean passesGradient) {
        super(index);
        this.layer = layer;
        this.passesGradient = passesGradient;
    }

    boolean passesGradient() {
        return passesGradient;
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        return layer.activate(in, false, LayerWorkspaceMgr.noWorkspaces()).detach();
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        if (!needInputGradient) {
            return null;
        }
        if (!passesGradient) {
            throw new IllegalStateException("layer " + layerIndex() + " is a FrozenLayer, which stops backpropagation");
        }
        return layer.backpropGradient(epsilon, LayerWorkspaceMgr.noWorkspaces()).getSecond();
    }

    @Override
    public void clear() {
        layer.clear();
    }
}
