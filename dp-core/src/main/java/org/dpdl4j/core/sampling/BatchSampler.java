package org.dpdl4j.core.sampling;

import org.dpdl4j.accountant.event.DpEvent;

/**
 * Chooses the records of each DP-SGD step and names the accountant event of that step. The sampler and
 * its event are one object, so a training loop cannot pair, say, shuffled batches with a Poisson
 * event.
 *
 * <p>Privacy assumption: the DP-SGD step sums the clipped per-example gradients of {@link #next()}'s
 * batch (clip norm C), adds N(0, σ²C²) to every trained coordinate, divides by {@link #normalizer()}
 * (fixed and data-independent, never the realised batch size), runs on empty batches too, and records
 * {@link #stepEvent(double)} once per step. The dataset size N is treated as public. Only samplers
 * with {@link #secure()} {@code true} are meant for private releases.
 */
public interface BatchSampler {

    /** The next step's batch, possibly empty. */
    Batch next();

    /** Steps that make one pass over the data in expectation; used for reporting and epoch loops. */
    long stepsPerEpoch();

    /** The fixed divisor of the noisy clipped sum: q·N for Poisson, b for fixed-size batches, N for full batches. */
    double normalizer();

    /**
     * The accountant event of one step when the noise std on the clipped sum is σ·C.
     *
     * @param noiseMultiplier σ &gt; 0
     */
    DpEvent stepEvent(double noiseMultiplier);

    /** A checkpointable snapshot of the sampler's progress, without its random-generator state. */
    SamplerState state();

    /**
     * Continues from a checkpoint: keeps the step and epoch counters and draws all further batches from
     * fresh randomness (secure) or from the next stream of the seed (seeded), never replaying the
     * interrupted run's batches.
     *
     * @throws IllegalArgumentException if the state belongs to a different kind of sampler, dataset size,
     *     sampling parameter or randomness mode
     */
    void restore(SamplerState state);

    /** Number of records N. */
    int datasetSize();

    /** Whether the selection comes from a secure generator. */
    boolean secure();

    /** One-line description for the privacy report. */
    String description();
}
