package org.dpdl4j.accountant.pld;

/**
 * Which of the two neighbouring datasets is the "first" one in the hockey-stick divergence
 * H_{e^ε}(P‖Q). Under add/remove-one neighbouring a record may be removed from or added to a dataset, and
 * the guarantee must cover both, so δ(ε) is the larger of the two directions' curves.
 *
 * <p>Privacy assumption: in a composition all steps are run on the same pair of datasets, so every step
 * has the same direction; composing each direction separately and taking the maximum at the end is then
 * exact (mixing directions across steps never happens).
 */
enum LossDirection {
    /**
     * P = output on the dataset with the record (the subsampled mixture), Q = output without it; loss
     * L(z) = log(1 − q + q·exp((2z − 1)/(2σ²))) with z ~ P, bounded below by log(1 − q).
     */
    REMOVE,
    /** P = output without the record (pure noise), Q = the mixture; loss −L(z) with z ~ N(0,σ²). */
    ADD
}
