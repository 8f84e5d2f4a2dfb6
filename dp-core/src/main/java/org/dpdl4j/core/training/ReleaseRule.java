package org.dpdl4j.core.training;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How one DP-SGD step turns the clipped gradient sum into the released, normalised gradient: the
 * arithmetic on which the accounting rests. Production code only ever uses {@link #STANDARD}: noise of
 * std σ·S is added to the sum, then the sum is divided by the sampler's fixed normaliser.
 *
 * <p>The type is package-private on purpose. It exists so that tests in this package can build
 * deliberately broken trainers (noise after averaging, σ halved, dividing by the realised batch size)
 * and check that the privacy audits catch them; nothing outside this package can select another rule.
 *
 * <p>Privacy assumption: the rule releases nothing but {@code (sum + N(0, std²)) / normalizer}; any
 * other rule voids the ledger's guarantee.
 */
interface ReleaseRule {

    /** Adds N(0, std²) to every trained coordinate of its argument, in place. */
    @FunctionalInterface
    interface NoiseStep {
        void addTo(INDArray target, double std);
    }

    /**
     * Releases the step's gradient in place of {@code sum}.
     *
     * @param sum the clipped gradient sum, overwritten with the released gradient
     * @param noise adds the mechanism's noise to the trained coordinates
     * @param std σ times the clipping sensitivity
     * @param normalizer the sampler's fixed, data-independent divisor
     * @param batchSize the realised batch size (data-dependent: the standard rule ignores it)
     */
    void release(INDArray sum, NoiseStep noise, double std, double normalizer, int batchSize);

    /** Noise on the sum, then division by the fixed normaliser: the only rule the accounting covers. */
    ReleaseRule STANDARD = (sum, noise, std, normalizer, batchSize) -> {
        noise.addTo(sum, std);
        sum.divi(normalizer);
    };
}
