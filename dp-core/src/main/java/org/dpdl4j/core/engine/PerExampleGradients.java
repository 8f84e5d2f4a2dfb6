package org.dpdl4j.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The per-example gradient information of one batch: norms per example (total and per trained layer)
 * and the ability to write the clipped sum into the network's gradient. Per-example gradient vectors
 * are not materialised unless {@link #perExampleGradients()} is called (tests and audits).
 *
 * <p>Privacy assumption: the clipping factors passed in depend on the per-example norms only through
 * the clipping rule, which bounds each example's contribution.
 */
public abstract class PerExampleGradients {

    private final long batch;
    private final INDArray loss;
    private final int[] layers;
    private INDArray layerSquaredNorms;

    PerExampleGradients(long batch, INDArray loss, int[] layers) {
        this.batch = batch;
        this.loss = loss;
        this.layers = layers.clone();
    }

    /** B, the number of examples. */
    public long batchSize() {
        return batch;
    }

    /** Layer indices of the norm columns. */
    public int[] trainedLayers() {
        return layers.clone();
    }

    /** Loss of each example [B]: a non-private training diagnostic. */
    public INDArray loss() {
        return loss;
    }

    /** Squared norm of each example's gradient per trained layer, shape [B, L]. */
    public INDArray layerSquaredNorms() {
        if (layerSquaredNorms == null) {
            layerSquaredNorms = computeLayerSquaredNorms();
        }
        return layerSquaredNorms;
    }

    /** L2 norm of each example's whole gradient (over trained layers), shape [B]. */
    public INDArray norms() {
        return org.nd4j.linalg.ops.transforms.Transforms.sqrt(layerSquaredNorms().sum(1), false);
    }

    /** Writes Σ_i c_i g_i into the network's flattened gradient (zero elsewhere); factors shape [B]. */
    public void writeClippedSum(INDArray factors) {
        INDArray perLayer = factors.reshape(batch, 1).repeat(1, layers.length);
        writeClipped(perLayer);
    }

    /** Per-layer clipping: factors[i, l] scales example i's gradient of trained layer l; shape [B, L]. */
    public void writeClippedSumPerLayer(INDArray factors) {
        writeClipped(factors);
    }

    protected abstract INDArray computeLayerSquaredNorms();

    protected abstract void writeClipped(INDArray factorsPerLayer);

    /** Every example's full gradient, shape [B, numParams] in DL4J's flattened layout (zero for untrained layers). */
    public abstract INDArray perExampleGradients();

    /** Drops the activations kept for the backward pass. */
    public abstract void release();
}
