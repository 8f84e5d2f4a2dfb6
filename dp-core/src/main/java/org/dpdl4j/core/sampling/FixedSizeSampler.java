package org.dpdl4j.core.sampling;

import java.util.Arrays;
import java.util.BitSet;

/**
 * Fixed-size batches drawn independently at every step: each batch is a uniformly random set of
 * exactly b distinct records, regardless of earlier batches (a record may appear in consecutive
 * steps). This is precisely the mechanism whose step event is
 * {@code SampledWithoutReplacementEvent(b, N, GaussianEvent(σ/2, REPLACE_ONE))} (Wang, Balle &amp;
 * Kasiviswanathan 2019), composed over independent steps. Epoch-wise shuffling into disjoint batches
 * is deliberately not provided: the per-step bound does not cover it (Chua et al., ICML 2024). The divisor is b. A step costs O(b) (Floyd's algorithm).
 *
 * <p>Privacy assumption: the generator is secure, N is public, and neighbouring datasets differ by
 * replacing one record.
 */
public final class FixedSizeSampler extends AbstractFixedSizeSampler {

    private final BitSet chosen;

    private FixedSizeSampler(InMemoryDataset data, int batchSize, boolean secure, long seed) {
        super(data, batchSize, secure, seed);
        this.chosen = new BitSet(data.size());
    }

    /** Independent uniform b-subsets from a secure generator. */
    public static FixedSizeSampler secure(InMemoryDataset data, int batchSize) {
        return new FixedSizeSampler(data, batchSize, true, 0);
    }

    /** Independent uniform b-subsets from a seeded, NOT secure generator: for tests and experiments. */
    public static FixedSizeSampler seeded(InMemoryDataset data, int batchSize, long seed) {
        return new FixedSizeSampler(data, batchSize, false, seed);
    }

    /**
     * Floyd's algorithm: for j = N−b … N−1 pick t uniform in [0, j] and take t, or j if t is already
     * taken. Every b-subset comes out with probability 1/C(N, b).
     */
    @Override
    long[] nextIndices() {
        int n = data.size();
        long[] indices = new long[batchSize];
        int count = 0;
        for (int j = n - batchSize; j < n; j++) {
            int t = random.nextInt(j + 1);
            int pick = chosen.get(t) ? j : t;
            chosen.set(pick);
            indices[count++] = pick;
        }
        for (long i : indices) {
            chosen.clear((int) i);
        }
        // Ascending rows read memory in order; the order within a batch carries no meaning.
        Arrays.sort(indices);
        return indices;
    }

    @Override
    String kind() {
        return "fixed_size";
    }

    @Override
    public String description() {
        return "fixed-size batches, b=" + batchSize + " of N=" + data.size()
                + " drawn independently each step (divisor b), replace-one without-replacement event, " + randomnessDescription();
    }
}
