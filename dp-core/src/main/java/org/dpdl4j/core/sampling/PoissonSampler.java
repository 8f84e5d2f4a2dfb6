package org.dpdl4j.core.sampling;

import java.util.Arrays;
import java.util.random.RandomGenerator;
import org.dpdl4j.accountant.PrivacyParameters;
import org.dpdl4j.accountant.event.DpEvent;
import org.dpdl4j.accountant.event.PoissonSampledEvent;

/**
 * Poisson sampling: at every step each record is included independently with probability q, so batch
 * sizes vary and a batch may be empty. This is the sampling that the Poisson-subsampled Gaussian
 * analysis (add/remove-one) assumes, and the event of a step is
 * {@code PoissonSampledEvent.gaussian(q, σ)}. The step's clipped sum is divided by the expected batch
 * size q·N, never by the realised size.
 *
 * <p>A step costs O(qN), not O(N): instead of a coin per record, the gaps between included records are
 * drawn as Geometric(q) variables, floor(log U / log(1 − q)) for U uniform on (0, 1], which gives the
 * same joint distribution of inclusions. In double arithmetic each record's inclusion probability
 * matches q to about 1e-15 relative; there is no data-dependent branch.
 *
 * <p>Privacy assumption: the generator is secure ({@link #secure}) and its state is not observed; the
 * empty batches are trained on (noise only) and counted; N is public.
 */
public final class PoissonSampler extends AbstractSampler {

    private final double q;
    private final double logExcluded;
    private final long stepsPerEpoch;

    private PoissonSampler(InMemoryDataset data, double samplingRate, boolean secure, long seed) {
        super(data, secure, seed);
        this.q = PrivacyParameters.checkSamplingRate(samplingRate);
        this.logExcluded = Math.log1p(-q);
        this.stepsPerEpoch = Math.max(1, Math.round(1 / q));
    }

    /** Poisson sampling at rate q from a secure generator: the one to train with. */
    public static PoissonSampler secure(InMemoryDataset data, double samplingRate) {
        return new PoissonSampler(data, samplingRate, true, 0);
    }

    /** Poisson sampling from a seeded, NOT secure generator: reproducible, for tests and experiments. */
    public static PoissonSampler seeded(InMemoryDataset data, double samplingRate, long seed) {
        return new PoissonSampler(data, samplingRate, false, seed);
    }

    /** The inclusion probability q. */
    public double samplingRate() {
        return q;
    }

    /** Iterator over one epoch ({@link #stepsPerEpoch()} steps) of this sampler's batches, empty ones included. */
    public PoissonSamplingIterator epochIterator() {
        return new PoissonSamplingIterator(this);
    }

    @Override
    long[] nextIndices() {
        return draw(random, data.size(), q, logExcluded);
    }

    /**
     * One Poisson draw from a given generator: the indices in [0, n) included independently with
     * probability q, increasing. The same generator state gives the same indices, which is what lets a
     * distributed step redraw a partition's sample identically when a failed task is retried (with a
     * {@link org.dpdl4j.core.noise.KeyedRandom} stream per partition and step).
     *
     * @param random secure, or seeded for tests only; its draws must not be observable
     * @param n number of rows, ≥ 0
     * @param q inclusion probability in (0, 1]
     */
    public static long[] drawIndices(RandomGenerator random, int n, double q) {
        java.util.Objects.requireNonNull(random, "random");
        if (n < 0) {
            throw new IllegalArgumentException("row count must be >= 0, got " + n);
        }
        double rate = PrivacyParameters.checkSamplingRate(q);
        return draw(random, n, rate, Math.log1p(-rate));
    }

    private static long[] draw(RandomGenerator random, int n, double q, double logExcluded) {
        if (q == 1.0) {
            long[] all = new long[n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        double expected = q * n;
        long[] picked = new long[(int) Math.min(n, expected + 6 * Math.sqrt(expected) + 16)];
        int count = 0;
        long next = -1;
        while (true) {
            next += 1 + geometricGap(random, logExcluded, n);
            if (next >= n) {
                break;
            }
            if (count == picked.length) {
                picked = Arrays.copyOf(picked, Math.min(n, 2 * picked.length));
            }
            picked[count++] = next;
        }
        return Arrays.copyOf(picked, count);
    }

    /** Records skipped before the next included one: Geometric(q) on {0, 1, ...}, capped at n. */
    static long geometricGap(RandomGenerator random, double logExcluded, int n) {
        // 1 - nextDouble() lies in (0, 1] and is exact; P(gap >= k) = P(U <= (1 - q)^k) = (1 - q)^k.
        double u = 1.0 - random.nextDouble();
        double gap = Math.floor(Math.log(u) / logExcluded);
        return (long) Math.min(gap, n);
    }

    @Override
    public long stepsPerEpoch() {
        return stepsPerEpoch;
    }

    @Override
    public double normalizer() {
        return q * data.size();
    }

    @Override
    public DpEvent stepEvent(double noiseMultiplier) {
        return PoissonSampledEvent.gaussian(q, noiseMultiplier);
    }

    @Override
    String kind() {
        return "poisson";
    }

    @Override
    long fixedBatchSize() {
        return 0;
    }

    @Override
    public String description() {
        return String.format("Poisson sampling, q=%s (expected batch %.1f of N=%d, divisor q*N), add/remove-one, %s",
                q, q * data.size(), data.size(), randomnessDescription());
    }
}
