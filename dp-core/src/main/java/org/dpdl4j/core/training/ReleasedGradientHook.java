package org.dpdl4j.core.training;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sees the gradient that a DP step releases: (Σ clipped per-example gradients + N(0, σ²S²)) / B, as a
 * flat view [1, numParams] of the network's gradient, before the DL4J updater runs. Coordinates of
 * layers that are not trained are exactly zero and carry no noise.
 *
 * <p>Privacy assumption: the hook only post-processes this released value (and public information);
 * reading private data inside it would fall outside the accounting.
 */
@FunctionalInterface
public interface ReleasedGradientHook {

    /**
     * @param noisyGradient the released gradient, modifiable in place (the updater reads it afterwards)
     * @param noiseStd standard deviation of the noise on each trained coordinate: σ·S / B
     * @param step the step's number in the ledger under this run's label
     */
    void accept(INDArray noisyGradient, double noiseStd, long step);
}
