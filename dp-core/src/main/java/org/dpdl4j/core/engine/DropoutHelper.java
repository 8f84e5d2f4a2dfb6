package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.conf.dropout.IDropout;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Applies a layer's input dropout in training mode and backpropagates through the same mask. Dropout
 * masks are drawn per element, so each example's mask depends on nothing but randomness.
 */
final class DropoutHelper {

    private final IDropout dropout;
    private boolean applied;
    static int iteration;
    static int epoch;

    DropoutHelper(IDropout dropout, boolean trainable) {
        // Frozen layers run in inference mode, as DL4J runs them.
        this.dropout = trainable ? dropout : null;
    }

    INDArray apply(INDArray in, boolean training) {
        applied = training && dropout != null;
        if (!applied) {
            return in;
        }
        return dropout.applyDropout(in, in.ulike(), iteration, epoch, LayerWorkspaceMgr.noWorkspaces());
    }

    INDArray backprop(INDArray epsilon) {
        if (!applied) {
            return epsilon;
        }
        return dropout.backprop(epsilon, epsilon.ulike(), iteration, epoch);
    }
}
