package org.dpdl4j.core.training;

/**
 * How batches are drawn. Each mode carries its own accounting event, so the reported ε always matches
 * the sampling that actually ran.
 */
public enum SamplingMode {
    /** Each record independently with probability q per step; add/remove-one accounting (the default). */
    POISSON,
    /** Fixed-size batches from a fresh shuffle each epoch; replace-one accounting (WBK19, RDP only). */
    SHUFFLED,
    /** Every record in every step (NoisyGD, q = 1); exact Gaussian accounting. */
    FULL_BATCH
}
