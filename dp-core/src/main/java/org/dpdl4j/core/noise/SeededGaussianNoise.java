package org.dpdl4j.core.noise;

import java.util.SplittableRandom;

/**
 * Reproducible Gaussian noise for tests and experiments: {@code x + std·Z} with Z from
 * {@link SplittableRandom#nextGaussian()}, computed in double and rounded once to the target's type.
 *
 * <p><b>Not for private releases.</b> Anyone who knows (or guesses) the seed can subtract the noise, and
 * the plain floating-point addition is open to the low-bit attacks that {@link SecureGaussianNoise}
 * defends against. {@link #secure()} is {@code false}, so a trainer can refuse it or flag the report.
 *
 * <p>A (seed, streamId) pair names one noise stream. A run resumed from a checkpoint must use a new
 * stream id (for example {@link #nextStream()} of the one it ran with) so that it does not replay the
 * noise of the interrupted run: replayed noise would be averaged away across the two runs' outputs.
 * Different stream ids of one seed give different seeds for the generator (the derivation is a
 * bijection of the stream id). The same (seed, streamId) reproduces the same values given the same
 * sequence of calls and array sizes on the same JDK (the JDK's Gaussian algorithm may change between
 * major versions); the values do not depend on the ND4J backend.
 */
public final class SeededGaussianNoise extends ElementwiseNoise {

    /** Separates noise streams from sampler streams derived from the same user seed. */
    private static final long NOISE_DOMAIN = 0x6e6f697365L; // "noise"

    private final long seed;
    private final long streamId;
    private final SplittableRandom random;

    /** Stream 0 of {@code seed}. */
    public SeededGaussianNoise(long seed) {
        this(seed, 0);
    }

    /**
     * Stream {@code streamId} of {@code seed}.
     *
     * @param streamId 0 for a fresh run; a value never used before with this seed for a resumed run
     */
    public SeededGaussianNoise(long seed, long streamId) {
        this.seed = seed;
        this.streamId = streamId;
        this.random = new SplittableRandom(streamSeed(seed, streamId, NOISE_DOMAIN));
    }

    public long seed() {
        return seed;
    }

    public long streamId() {
        return streamId;
    }

    /** A fresh instance on the next stream of the same seed, for a resumed run. */
    public SeededGaussianNoise nextStream() {
        return new SeededGaussianNoise(seed, streamId + 1);
    }

    /**
     * The generator seed of stream {@code streamId} in a domain: for a fixed seed and domain, distinct
     * stream ids give distinct results, because every step (odd multiply, add, xor, SplitMix64 finaliser)
     * is a bijection of 64-bit words.
     */
    static long streamSeed(long seed, long streamId, long domain) {
        return mix64(seed ^ mix64(streamId * 0x9e3779b97f4a7c15L + domain));
    }

    /** SplitMix64's finaliser (Steele, Lea &amp; Flood 2014), a bijection with good avalanche. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    void addToDoubles(double[] values, int[] positions, double std) {
        if (positions == null) {
            for (int i = 0; i < values.length; i++) {
                values[i] += std * random.nextGaussian();
            }
        } else {
            for (int i : positions) {
                values[i] += std * random.nextGaussian();
            }
        }
    }

    @Override
    void addToFloats(float[] values, int[] positions, double std) {
        if (positions == null) {
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (values[i] + std * random.nextGaussian());
            }
        } else {
            for (int i : positions) {
                values[i] = (float) (values[i] + std * random.nextGaussian());
            }
        }
    }

    @Override
    public boolean secure() {
        return false;
    }

    @Override
    public String description() {
        // The seed is withheld: whoever reads the report could otherwise regenerate and remove the noise.
        return "seeded Gaussian noise (NOT secure; seed withheld, stream " + streamId
                + "): SplittableRandom normals added in double; reproducible, for tests and experiments only";
    }
}
