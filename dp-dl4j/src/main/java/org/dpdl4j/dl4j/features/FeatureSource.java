package org.dpdl4j.dl4j.features;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Feature rows with one-hot labels, read in chunks so that a full pass can stream a dataset larger than
 * memory (an on-disk {@link FeatureCache}) as well as use one in-memory matrix without copying.
 *
 * <p>Privacy assumption: the number of rows {@link #size()} is treated as public, as in the rest of the
 * library (it divides the noisy gradient sum); the chunk boundaries do not depend on the data.
 */
public interface FeatureSource {

    /** One chunk of consecutive rows: features [rows, d] and one-hot labels [rows, k]. */
    record Chunk(INDArray features, INDArray labels) {
    }

    /** Number of rows n. */
    long size();

    /** Feature dimension d. */
    int dimension();

    /** Number of classes k. */
    int classes();

    /** Number of chunks; their row counts sum to {@link #size()}. */
    int chunks();

    /** Chunk {@code i}, 0 ≤ i &lt; {@link #chunks()}. The arrays must not be modified. */
    Chunk chunk(int i);

    /**
     * One in-memory matrix as a single chunk, after checking that features are finite and labels one-hot.
     *
     * @param features [n, d], floating point
     * @param oneHotLabels [n, k]
     */
    static FeatureSource inMemory(INDArray features, INDArray oneHotLabels) {
        Inputs.checkFeatures(features, "features");
        if (oneHotLabels == null || oneHotLabels.rank() != 2) {
            throw new IllegalArgumentException("labels must be a one-hot matrix [n, k]");
        }
        Inputs.checkOneHot(oneHotLabels, features.size(0), (int) oneHotLabels.size(1));
        Chunk only = new Chunk(features, oneHotLabels);
        long n = features.size(0);
        int d = (int) features.size(1);
        int k = (int) oneHotLabels.size(1);
        return new FeatureSource() {
            @Override
            public long size() {
                return n;
            }

            @Override
            public int dimension() {
                return d;
            }

            @Override
            public int classes() {
                return k;
            }

            @Override
            public int chunks() {
                return 1;
            }

            @Override
            public Chunk chunk(int i) {
                if (i != 0) {
                    throw new IndexOutOfBoundsException("chunk " + i + " of 1");
                }
                return only;
            }
        };
    }
}
