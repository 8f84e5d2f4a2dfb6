package org.dpdl4j.accountant.event;

import java.util.Objects;

/**
 * A mechanism run on a uniformly random subset of exactly {@code sampleSize} of {@code populationSize}
 * records (fixed-size batches, shuffling). Analysed under replace-one neighbouring
 * (Wang, Balle &amp; Kasiviswanathan 2019), so the inner mechanism must be stated under replace-one.
 *
 * <p>Privacy assumption: the subset is uniform and secret, the dataset size is public, and neighbouring
 * datasets differ by replacing a record. For a clipped sum with clip norm C and noise std σC the
 * replace-one sensitivity is 2C, so the inner Gaussian's multiplier is σ/2.
 *
 * @param sampleSize b, 1 ≤ b ≤ n
 * @param populationSize n ≥ 1
 * @param event the mechanism run on the sample
 */
public record SampledWithoutReplacementEvent(long sampleSize, long populationSize, DpEvent event) implements DpEvent {

    public SampledWithoutReplacementEvent {
        if (populationSize < 1) {
            throw new IllegalArgumentException("population size n must be >= 1, got " + populationSize);
        }
        if (sampleSize < 1 || sampleSize > populationSize) {
            throw new IllegalArgumentException("sample size b must be in [1, n=" + populationSize + "], got " + sampleSize);
        }
        Objects.requireNonNull(event, "inner event must not be null");
        if (event instanceof GaussianEvent g && g.relation() != NeighbouringRelation.REPLACE_ONE) {
            throw new IllegalArgumentException("sampling without replacement is analysed under REPLACE_ONE, but the inner "
                    + "Gaussian is stated under " + g.relation() + "; for a clipped sum (sensitivity 2C under "
                    + "replace-one) use new GaussianEvent(sigma / 2, NeighbouringRelation.REPLACE_ONE)");
        }
    }

    /** The sampling fraction b/n. */
    public double samplingRate() {
        return (double) sampleSize / populationSize;
    }

    @Override
    public String kind() {
        return "sampled_without_replacement";
    }
}
