package org.dpdl4j.core.training;

import org.dpdl4j.core.noise.GaussianNoise;
import org.dpdl4j.core.noise.SeededGaussianNoise;
import org.dpdl4j.core.sampling.BatchSampler;
import org.dpdl4j.core.sampling.FixedSizeSampler;
import org.dpdl4j.core.sampling.FullBatchSampler;
import org.dpdl4j.core.sampling.InMemoryDataset;
import org.dpdl4j.core.sampling.PoissonSampler;
import org.nd4j.linalg.dataset.DataSet;

/** Builds the sampler and noise source a configuration asks for; secure unless a seed is given. */
final class Samplers {

    private Samplers() {
    }

    static BatchSampler create(DpSgdConfig config, DataSet data) {
        InMemoryDataset d = InMemoryDataset.of(data.getFeatures(), data.getLabels());
        Long seed = config.seed();
        return switch (config.sampling()) {
            case POISSON -> {
                double q = config.expectedBatchSize() / d.size();
                if (q > 1) {
                    throw new IllegalArgumentException("expected batch size " + config.expectedBatchSize()
                            + " exceeds the dataset size " + d.size() + "; use a smaller batch or FULL_BATCH sampling");
                }
                yield seed == null ? PoissonSampler.secure(d, q) : PoissonSampler.seeded(d, q, seed);
            }
            case FIXED_SIZE -> {
                int b = (int) config.expectedBatchSize();
                if (b > d.size()) {
                    throw new IllegalArgumentException("batch size " + b + " exceeds the dataset size " + d.size()
                            + "; use a batch of at most " + d.size() + " or FULL_BATCH sampling");
                }
                yield seed == null ? FixedSizeSampler.secure(d, b) : FixedSizeSampler.seeded(d, b, seed);
            }
            case FULL_BATCH -> new FullBatchSampler(d);
        };
    }

    /** Secure noise, or seeded noise on the given stream (distinct from the sampler's streams). */
    static GaussianNoise noise(DpSgdConfig config, long streamId) {
        return config.seed() == null ? GaussianNoise.createSecure() : new SeededGaussianNoise(config.seed(), 1_000_000L + streamId);
    }
}
