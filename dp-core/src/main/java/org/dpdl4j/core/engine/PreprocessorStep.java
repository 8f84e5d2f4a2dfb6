package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/** An input preprocessor between layers (reshapes such as CNN to feed-forward). */
final class PreprocessorStep extends ParameterFreeStep {

    private final InputPreProcessor preProcessor;
    private long batch;

    PreprocessorStep(int index, InputPreProcessor preProcessor) {
        super(index);
        this.preProcessor = preProcessor;
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        batch = in.size(0);
        return preProcessor.preProcess(in, (int) batch, LayerWorkspaceMgr.noWorkspaces());
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        return needInputGradient ? preProcessor.backprop(epsilon, (int) batch, LayerWorkspaceMgr.noWorkspaces()) : null;
    }

    @Override
    public void clear() {
    }
}
