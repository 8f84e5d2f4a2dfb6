package org.dpdl4j.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/** The last step of a network: it turns labels into the per-example δ that starts the backward pass. */
interface LossStep extends LayerStep {

    /** Backward pass started from the labels. */
    INDArray backwardFromLabels(INDArray labels, boolean needInputGradient);

    /** Loss of each example, shape [B] (a non-private diagnostic). */
    INDArray perExampleLoss(INDArray labels);
}
