package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * OutputLayer: a dense layer whose δ comes from the loss. DL4J's loss functions return one gradient row
 * per example (not averaged), which is exactly the per-example δ needed here.
 *
 * <p>Privacy assumption: the loss of example i depends only on example i's output and label (no
 * batch-level weighting or normalisation inside the loss).
 */
final class OutputStep extends DenseStep implements LossStep {

    private final ILossFunction loss;

    OutputStep(int index, Layer layer, boolean trainable, INDArray gradientView) {
        super(index, layer, trainable, gradientView);
        this.loss = ((BaseOutputLayer) layer.conf().getLayer()).getLossFn();
    }

    /** The network output is not needed (the loss starts from z): only z is computed. */
    @Override
    public INDArray forward(INDArray in, boolean training) {
        return preOutput(in, training);
    }

    @Override
    public INDArray backwardFromLabels(INDArray labels, boolean needInputGradient) {
        INDArray d = loss.computeGradient(labels, preOutput.dup(), activation, null);
        return backwardFromDelta(d, needInputGradient);
    }

    @Override
    public INDArray perExampleLoss(INDArray labels) {
        return loss.computeScoreArray(labels, preOutput.dup(), activation, null);
    }
}
