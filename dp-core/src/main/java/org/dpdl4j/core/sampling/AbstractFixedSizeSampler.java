package org.dpdl4j.core.sampling;

import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;
import org.dpdl4j.accountant.event.NeighbouringRelation;
import org.dpdl4j.accountant.event.SampledWithoutReplacementEvent;

/** Batches of exactly b distinct records: the event, divisor and validation shared by the fixed-size samplers. */
abstract class AbstractFixedSizeSampler extends AbstractSampler {

    final int batchSize;

    AbstractFixedSizeSampler(InMemoryDataset data, int batchSize, boolean secure, long seed) {
        super(data, secure, seed);
        if (batchSize < 1 || batchSize > data.size()) {
            throw new IllegalArgumentException("batch size b must be in [1, N=" + data.size() + "], got " + batchSize);
        }
        this.batchSize = batchSize;
    }

    /** The number of records per batch, b. */
    public final int batchSize() {
        return batchSize;
    }

    @Override
    public final long stepsPerEpoch() {
        return data.size() / batchSize;
    }

    @Override
    public final double normalizer() {
        return batchSize;
    }

    /**
     * Sampling without replacement is analysed under replace-one neighbouring, where the clipped sum's
     * sensitivity is 2C; with noise std σC the inner Gaussian's multiplier is therefore σ/2.
     */
    @Override
    public final DpEvent stepEvent(double noiseMultiplier) {
        PrivacyParameters.checkNoiseMultiplier(noiseMultiplier);
        return new SampledWithoutReplacementEvent(batchSize, data.size(),
                new GaussianEvent(noiseMultiplier / 2, NeighbouringRelation.REPLACE_ONE));
    }

    @Override
    final double samplingRate() {
        return (double) batchSize / data.size();
    }

    @Override
    final long fixedBatchSize() {
        return batchSize;
    }
}
