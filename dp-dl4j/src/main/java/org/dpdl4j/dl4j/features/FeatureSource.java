package org.dpdl4j.dl4j.features;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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

    /** Where the rows come from, for reports (e.g. "in-memory features", an on-disk cache's directory). */
    default String describe() {
        return "in-memory features";
    }

    /**
     * The rows at the given global indices, in that order, as fresh arrays: what a Poisson-sampled step
     * needs. This default reads every chunk that holds a selected row (chunk sizes are learnt from the
     * chunks themselves), so it suits in-memory sources; {@link FeatureCache} overrides it to read only
     * the selected rows from its memory-mapped files.
     *
     * @param indices strictly increasing row indices in [0, {@link #size()}); may be empty
     * @throws IllegalArgumentException if the indices are not strictly increasing or out of range
     */
    default Chunk rows(long[] indices) {
        checkRowIndices(indices, size());
        int k = classes();
        if (indices.length == 0) {
            INDArray f0 = chunk(0).features();
            return new Chunk(Nd4j.create(f0.dataType(), 0, dimension()), Nd4j.create(f0.dataType(), 0, k));
        }
        INDArray[] fs = new INDArray[chunks()];
        INDArray[] ls = new INDArray[chunks()];
        int parts = 0;
        long start = 0;
        int next = 0;
        for (int c = 0; c < chunks() && next < indices.length; c++) {
            Chunk chunk = chunk(c);
            long rows = chunk.features().size(0);
            int from = next;
            while (next < indices.length && indices[next] < start + rows) {
                next++;
            }
            if (next > from) {
                int[] local = new int[next - from];
                for (int i = from; i < next; i++) {
                    local[i - from] = (int) (indices[i] - start);
                }
                fs[parts] = Nd4j.pullRows(chunk.features(), 1, local);
                ls[parts] = Nd4j.pullRows(chunk.labels(), 1, local);
                parts++;
            }
            start += rows;
        }
        if (parts == 1) {
            return new Chunk(fs[0], ls[0]);
        }
        return new Chunk(Nd4j.concat(0, java.util.Arrays.copyOf(fs, parts)),
                Nd4j.concat(0, java.util.Arrays.copyOf(ls, parts)));
    }

    /**
     * Checks that {@code indices} are strictly increasing and lie in [0, n).
     *
     * @throws IllegalArgumentException naming the first offending position
     */
    static void checkRowIndices(long[] indices, long n) {
        java.util.Objects.requireNonNull(indices, "indices");
        long previous = -1;
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] <= previous || indices[i] >= n) {
                throw new IllegalArgumentException("row indices must be strictly increasing in [0, " + n + "); position "
                        + i + " holds " + indices[i] + (i > 0 ? " after " + previous : ""));
            }
            previous = indices[i];
        }
    }

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
