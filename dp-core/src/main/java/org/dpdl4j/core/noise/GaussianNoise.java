package org.dpdl4j.core.noise;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A source of independent Gaussian noise added in place to ND4J arrays: the noise step of the Gaussian
 * mechanism. DP-SGD adds N(0, σ²C²) to every trained coordinate of the clipped gradient sum.
 *
 * <p>Privacy assumption: the noise is independent of the data and of every earlier output, and the
 * caller passes a data-independent {@code std} (σ·C) and, for the masked variant, a data-independent
 * mask. Only implementations with {@link #secure()} {@code true} are meant for private releases;
 * seeded noise is predictable by anyone who knows the seed and is for tests and experiments only.
 *
 * <p>Implementations are safe to call from several threads; calls are serialised.
 */
public interface GaussianNoise {

    /**
     * Adds independent N(0, std²) noise to every element of {@code target}, in place.
     *
     * @param target a floating-point array of any shape and ordering; may be a view
     * @param std the noise standard deviation, finite and &gt; 0
     * @throws IllegalArgumentException if std is not a finite positive number or target is not floating point
     */
    void addTo(INDArray target, double std);

    /**
     * Adds independent N(0, std²) noise, in place, to the elements of {@code target} where {@code mask}
     * is 1 and leaves the others untouched; used when only some parameters are trained.
     *
     * @param target a vector, shape [n] or [1, n]; may be a view
     * @param std the noise standard deviation, finite and &gt; 0
     * @param mask shape [1, n] (or [n]) holding only 0 and 1; it must not depend on the private data
     * @throws IllegalArgumentException on a shape mismatch or a mask entry other than 0 or 1
     */
    void addTo(INDArray target, double std, INDArray mask);

    /**
     * Hint that the next {@code addTo} call will noise {@code count} values: an implementation may start
     * drawing that noise now, on a spare core, while the caller computes the values. Does nothing by default.
     * The noise drawn ahead is used by that next call only if it noises exactly {@code count} values, and is
     * discarded otherwise; it is never used twice. Drawing early is safe because the noise does not depend
     * on the data.
     */
    default void drawAhead(long count) {
    }

    /** Whether this noise is suitable for a private release (unpredictable and floating-point hardened). */
    boolean secure();

    /** One-line description of the construction and its guarantee, for the privacy report. */
    String description();

    /** Secure noise with a fresh key: the default for training. */
    static GaussianNoise createSecure() {
        return new SecureGaussianNoise();
    }

    /** Reproducible, NOT secure noise for tests and experiments (stream 0 of {@code seed}). */
    static GaussianNoise createSeeded(long seed) {
        return new SeededGaussianNoise(seed);
    }
}
