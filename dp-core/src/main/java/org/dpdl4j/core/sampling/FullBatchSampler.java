package org.dpdl4j.core.sampling;

import java.util.Arrays;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.GaussianEvent;

/**
 * Every step uses all N records (noisy gradient descent, q = 1). The step is the plain Gaussian
 * mechanism on the clipped sum, whose add/remove-one sensitivity is C, so the event is
 * {@code GaussianEvent.of(σ)}, and T steps compose exactly (the Gaussian accountant is tight here). The
 * divisor is N.
 *
 * <p>Privacy assumption: N is public. No randomness is involved, so the sampler is trivially
 * {@link #secure()}; the batch shares the dataset's arrays, which must not be modified.
 */
public final class FullBatchSampler extends AbstractSampler {

    public FullBatchSampler(InMemoryDataset data) {
        super(data, true, 0);
    }

    @Override
    long[] nextIndices() {
        return null;
    }

    @Override
    Batch toBatch(long[] indices) {
        return data.all();
    }

    @Override
    public long stepsPerEpoch() {
        return 1;
    }

    @Override
    public double normalizer() {
        return data.size();
    }

    @Override
    public DpEvent stepEvent(double noiseMultiplier) {
        return GaussianEvent.of(noiseMultiplier);
    }

    @Override
    String kind() {
        return "full_batch";
    }

    @Override
    double samplingRate() {
        return 1.0;
    }

    @Override
    long fixedBatchSize() {
        return data.size();
    }

    @Override
    public String description() {
        return "full batch (NoisyGD): all N=" + data.size() + " records every step, divisor N, add/remove-one Gaussian";
    }
}
