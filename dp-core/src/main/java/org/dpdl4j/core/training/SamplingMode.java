package org.dpdl4j.core.training;

/**
 * How batches are drawn. Each mode carries its own accounting event, so the reported ε always matches
 * the sampling that actually ran.
 */
public enum SamplingMode {
    /** Each record independently with probability q per step; add/remove-one accounting (the default). */
    POISSON,
    /**
     * Fixed-size batches, each a fresh uniform subset of b records drawn independently every step;
     * replace-one accounting (Wang, Balle &amp; Kasiviswanathan 2019; RDP only). Epoch-wise shuffling into
     * disjoint batches is deliberately not offered: no accounting theorem covers it, and reporting the
     * per-step bound for it is the mismatch of Chua et al. (ICML 2024).
     */
    FIXED_SIZE,
    /** Every record in every step (NoisyGD, q = 1); exact Gaussian accounting. */
    FULL_BATCH
}
