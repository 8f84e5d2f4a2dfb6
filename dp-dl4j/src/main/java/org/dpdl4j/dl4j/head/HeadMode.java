package org.dpdl4j.dl4j.head;

/**
 * How the head's private steps use the data.
 *
 * <p>Privacy assumption: each mode is tied to the accountant event it justifies; the trainer never
 * records one mode's event for the other's steps.
 */
public enum HeadMode {
    /**
     * Full-batch NoisyGD: every step uses all n rows; one step is a Gaussian mechanism on the clipped sum
     * (add/remove-one sensitivity C), composed exactly by the Gaussian accountant.
     */
    FULL_BATCH,
    /** Poisson-subsampled DP-SGD: rows included independently with rate q; divisor q·n; RDP or PLD accounting. */
    POISSON
}
