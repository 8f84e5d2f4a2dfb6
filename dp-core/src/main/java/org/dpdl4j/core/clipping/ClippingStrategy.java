package org.dpdl4j.core.clipping;

import org.dpdl4j.core.engine.PerExampleGradients;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How each example's gradient is scaled before summing. The strategy fixes the L2 sensitivity of the
 * clipped sum under add/remove-one, which is what the Gaussian noise is calibrated to.
 *
 * <p>Privacy assumption: after scaling, every example's whole gradient has norm ≤ {@link #sensitivity()},
 * and the scaling depends on the data only through quantities whose privacy cost is accounted.
 */
public interface ClippingStrategy {

    /** Per-example, per-layer scale factors [B, L] for the batch's gradients. */
    INDArray factors(PerExampleGradients gradients);

    /** The bound on one example's clipped gradient norm: noise std is σ times this. */
    double sensitivity();

    /** Human-readable description for the privacy report. */
    String description();

    /**
     * The noise multiplier to account per step when the gradient sum gets multiplier σ: σ itself, unless
     * the strategy releases more (adaptive clipping's noised count).
     */
    default double effectiveNoiseMultiplier(double sigma) {
        return sigma;
    }

    /** Inverse of {@link #effectiveNoiseMultiplier}: the gradient σ for an accounted effective σ. */
    default double gradientNoiseMultiplier(double effectiveSigma) {
        return effectiveSigma;
    }

    /**
     * Called once per step after the update, with the per-example gradient norms of the whole logical
     * batch (null for an empty batch), the step's noise source and the fixed normaliser. Stateless
     * strategies do nothing.
     */
    /** Mutable state to keep in a checkpoint (adaptive clipping's current C); empty for stateless strategies. */
    default double[] state() {
        return new double[0];
    }

    /** Restores {@link #state()} from a checkpoint. */
    default void restore(double[] state) {
    }

    default void afterStep(INDArray norms, org.dpdl4j.core.noise.GaussianNoise noise, double normalizer) {
    }
}
