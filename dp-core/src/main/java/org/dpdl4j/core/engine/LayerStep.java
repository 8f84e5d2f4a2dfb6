package org.dpdl4j.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One layer's part in the per-example forward and backward pass. A step keeps what its backward pass
 * needs (layer input, pre-activation) between {@link #forward} and {@link #backward}, so per-example
 * gradients come from one batched pass rather than a loop over examples.
 *
 * <p>Privacy assumption: the layer treats examples independently (no cross-example statistics such as
 * BatchNorm in training mode), so example i's gradient depends on example i alone.
 */
interface LayerStep {

    /** Index of the layer in the network. */
    int layerIndex();

    /** Forward pass over the whole batch; returns the layer output. */
    INDArray forward(INDArray input, boolean training);

    /**
     * Backward pass: from dL_i/d(output) per example, computes this layer's per-example gradient data and
     * returns dL_i/d(input), or null when {@code needInputGradient} is false.
     */
    INDArray backward(INDArray epsilon, boolean needInputGradient);

    /** True when this step owns trainable parameters that DP-SGD updates. */
    boolean trainable();

    /** Adds this layer's per-example squared gradient norms into {@code acc} (length B). Trainable steps only. */
    void addSquaredNorms(INDArray acc);

    /**
     * Writes Σ_i c_i g_i (the clipped sum of per-example gradients) into this layer's gradient views.
     *
     * @param factors c_i per example, shape [B]
     */
    void writeClippedSum(INDArray factors);

    /** Writes each example's full gradient into row i of {@code out} at this layer's offset (testing and audits). */
    void writePerExampleGradients(INDArray out, long columnOffset);

    /** Releases the arrays kept for the backward pass (reusable buffers are kept, see {@link #buffers()}). */
    void clear();

    /**
     * Multiply-adds of this layer's forward pass per example, as of the last batch (0 when unknown or
     * negligible): the engine's estimate of how much work a row carries, to decide whether splitting a
     * batch over threads pays.
     */
    default long forwardMacsPerExample() {
        return 0;
    }

    /** The buffers this step reuses across batches, or null when it keeps none. */
    default Buffers buffers() {
        return null;
    }
}
