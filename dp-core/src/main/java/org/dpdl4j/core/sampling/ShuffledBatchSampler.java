package org.dpdl4j.core.sampling;

/**
 * Fixed-size batches from a shuffle: each epoch draws a fresh uniformly random permutation and cuts it
 * into ⌊N/b⌋ batches of exactly b records, so no record appears twice in an epoch. The last N mod b
 * records of each permutation are left out of that epoch, because the without-replacement analysis
 * assumes exactly b records per step; a smaller last batch would be a different mechanism. The step
 * event is {@code SampledWithoutReplacementEvent(b, N, GaussianEvent(σ/2, REPLACE_ONE))} and the
 * divisor is b.
 *
 * <p><b>Caveat on the accounting.</b> That event is the analysis of one step whose batch is a uniformly
 * random b-subset (Wang, Balle &amp; Kasiviswanathan 2019), and composing it over steps treats the
 * batches as drawn independently. Within a shuffled epoch they are not: the batches are disjoint. We
 * know of no theorem showing that per-step composition bounds the privacy loss of shuffling, and
 * Chua et al. (ICML 2024) show that shuffled batches can be markedly less private than the Poisson
 * analysis often reported for them. {@link FixedSizeSampler} draws independent b-subsets and matches
 * the event exactly; {@link PoissonSampler} is the standard choice.
 *
 * <p>On {@link #restore}, the interrupted epoch is closed and the next batch starts a new epoch with a
 * fresh permutation, so no batch of the interrupted run is replayed.
 *
 * <p>Privacy assumption: the permutation is secret (secure generator), N is public, and neighbouring
 * datasets differ by replacing one record.
 */
public final class ShuffledBatchSampler extends AbstractFixedSizeSampler {

    private final int[] permutation;
    private long permutationEpoch = -1;

    private ShuffledBatchSampler(InMemoryDataset data, int batchSize, boolean secure, long seed) {
        super(data, batchSize, secure, seed);
        this.permutation = new int[data.size()];
        for (int i = 0; i < permutation.length; i++) {
            permutation[i] = i;
        }
    }

    /** Shuffled batches of size b from a secure generator. */
    public static ShuffledBatchSampler secure(InMemoryDataset data, int batchSize) {
        return new ShuffledBatchSampler(data, batchSize, true, 0);
    }

    /** Shuffled batches of size b from a seeded, NOT secure generator: for tests and experiments. */
    public static ShuffledBatchSampler seeded(InMemoryDataset data, int batchSize, long seed) {
        return new ShuffledBatchSampler(data, batchSize, false, seed);
    }

    @Override
    long[] nextIndices() {
        if (permutationEpoch != epoch) {
            shuffle();
            permutationEpoch = epoch;
        }
        int start = (int) stepInEpoch * batchSize;
        long[] indices = new long[batchSize];
        for (int i = 0; i < batchSize; i++) {
            indices[i] = permutation[start + i];
        }
        return indices;
    }

    /** Fisher–Yates: uniform over all N! orders given unbiased bounded integers, which RandomGenerator provides. */
    private void shuffle() {
        for (int i = permutation.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = permutation[i];
            permutation[i] = permutation[j];
            permutation[j] = t;
        }
    }

    @Override
    void afterRestore(SamplerState state) {
        if (stepInEpoch > 0) {
            epoch++;
            stepInEpoch = 0;
        }
        permutationEpoch = -1;
    }

    @Override
    String kind() {
        return "shuffled";
    }

    @Override
    public String description() {
        return "shuffled fixed-size batches, b=" + batchSize + " of N=" + data.size() + " (last " + data.size() % batchSize
                + " records of each epoch's permutation dropped, divisor b), replace-one without-replacement event per step "
                + "(assumes independent batches; see ShuffledBatchSampler), " + randomnessDescription();
    }
}
