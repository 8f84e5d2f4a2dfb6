package org.dpdl4j.core.sampling;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * Counters, randomness and checkpoint handling shared by the samplers. Subclasses choose the indices
 * of a step; everything about where their random bits come from and how a restore avoids replaying
 * them lives here, once.
 */
abstract class AbstractSampler implements BatchSampler {

    /** Separates sampler streams from noise streams derived from the same user seed. */
    private static final long SAMPLER_DOMAIN = 0x73616d706c65L; // "sample"

    final InMemoryDataset data;
    private final boolean secure;
    private long seed;
    private long streamId;
    RandomGenerator random;
    long stepsTaken;
    long epoch;
    long stepInEpoch;

    AbstractSampler(InMemoryDataset data, boolean secure, long seed) {
        if (data == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        this.data = data;
        this.secure = secure;
        this.seed = secure ? 0 : seed;
        this.streamId = 0;
        this.random = newRandom();
    }

    /** The sampler kind stored in checkpoints. */
    abstract String kind();

    /** The sampling rate stored in checkpoints and checked on restore. */
    abstract double samplingRate();

    /** The fixed batch size stored in checkpoints (0 when random). */
    abstract long fixedBatchSize();

    /** Row indices of the next step, drawn from {@link #random}. */
    abstract long[] nextIndices();

    /** Called after a restore, once the counters and randomness are in place. */
    void afterRestore(SamplerState state) {
    }

    @Override
    public final synchronized Batch next() {
        return toBatch(nextStep());
    }

    /** Draws the next step's indices and advances the counters: {@link #next()} without gathering rows. */
    final synchronized long[] nextStep() {
        long[] indices = nextIndices();
        stepsTaken++;
        stepInEpoch++;
        if (stepInEpoch >= stepsPerEpoch()) {
            epoch++;
            stepInEpoch = 0;
        }
        return indices;
    }

    /** The batch holding the rows at {@code indices}. */
    Batch toBatch(long[] indices) {
        return data.gather(indices);
    }

    @Override
    public final synchronized SamplerState state() {
        return new SamplerState(kind(), data.size(), samplingRate(), fixedBatchSize(), stepsTaken, epoch, stepInEpoch,
                secure, seed, streamId);
    }

    @Override
    public final synchronized void restore(SamplerState state) {
        if (state == null) {
            throw new IllegalArgumentException("state must not be null");
        }
        String here = kind() + " sampler over N=" + data.size() + " with rate " + samplingRate() + " and batch size " + fixedBatchSize();
        if (!state.sampler().equals(kind()) || state.datasetSize() != data.size()
                || Double.compare(state.samplingRate(), samplingRate()) != 0 || state.batchSize() != fixedBatchSize()) {
            throw new IllegalArgumentException("the checkpoint is from a " + state.sampler() + " sampler over N="
                    + state.datasetSize() + " with rate " + state.samplingRate() + " and batch size " + state.batchSize()
                    + ", but this is a " + here + "; resume with the sampler the run was started with");
        }
        if (state.secure() != secure) {
            throw new IllegalArgumentException("the checkpoint was taken with a " + (state.secure() ? "secure" : "seeded")
                    + " sampler but this one is " + (secure ? "secure" : "seeded") + "; resume with the same kind of randomness");
        }
        stepsTaken = state.stepsTaken();
        epoch = state.epoch();
        stepInEpoch = state.stepInEpoch();
        if (!secure) {
            seed = state.seed();
            // The next stream, never the checkpointed one: replaying the interrupted run's batches would
            // reuse the same records for more steps than the accountant assumes independent draws for.
            streamId = state.streamId() + 1;
        }
        random = newRandom();
        afterRestore(state);
    }

    @Override
    public final int datasetSize() {
        return data.size();
    }

    @Override
    public final boolean secure() {
        return secure;
    }

    /** The dataset the batches come from. */
    public final InMemoryDataset data() {
        return data;
    }

    /** Stream of the seed in use: 0 at first, one more after every restore; 0 for a secure sampler. */
    public final synchronized long streamId() {
        return streamId;
    }

    String randomnessDescription() {
        return secure ? "secure randomness (java.security.SecureRandom, fresh on every restore)"
                : "seeded randomness (NOT secure; seed withheld, stream " + streamId + ")";
    }

    private RandomGenerator newRandom() {
        return secure ? new SecureRandom() : new SplittableRandom(streamSeed(seed, streamId));
    }

    /**
     * For a fixed seed, distinct stream ids give distinct generator seeds (each step is a bijection of
     * 64-bit words); the domain constant keeps them apart from the noise streams of the same seed.
     */
    static long streamSeed(long seed, long streamId) {
        return mix64(seed ^ mix64(streamId * 0x9e3779b97f4a7c15L + SAMPLER_DOMAIN));
    }

    /** SplitMix64's finaliser (Steele, Lea &amp; Flood 2014). */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
