package org.dpdl4j.core.engine;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.floating.SquaredNorm;
import org.nd4j.linalg.api.ops.impl.reduce.same.Sum;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** Small array helpers shared by the steps. */
final class StepMath {

    private StepMath() {
    }

    /** Σ_j a[i, j]² for each row i of a rank-2 array, shape [n]. */
    static INDArray rowSquaredNorms(INDArray a) {
        if (a.size(1) == 1) {
            // ND4J 1.0.0-M2.1 returns the input unchanged when reducing over an axis of size 1
            INDArray col = a.reshape(a.size(0));
            return col.mul(col);
        }
        return Nd4j.getExecutioner().exec(new SquaredNorm(a, false, 1));
    }

    /** {@link #rowSquaredNorms} with the rows split over {@link Parallel} threads (a single-threaded reduction in libnd4j). */
    static INDArray rowSquaredNormsParallel(INDArray a) {
        if (a.size(1) == 1) {
            return rowSquaredNorms(a);
        }
        INDArray out = Nd4j.createUninitialized(a.dataType(), a.size(0));
        Parallel.forRanges(a.size(0), 8, (from, to) -> Nd4j.getExecutioner().exec(new SquaredNorm(
                a.get(NDArrayIndex.interval(from, to)), out.get(NDArrayIndex.interval(from, to)), false, 1)));
        return out;
    }

    /** Sums a rank-3 array [n, m, p] over its last axis into {@code out} [n, m]; returns out. */
    static INDArray sumLastAxis(INDArray a, INDArray out) {
        if (a.size(2) == 1) {
            return out.assign(a.reshape(a.size(0), a.size(1)));
        }
        Nd4j.getExecutioner().exec(new Sum(a, out, 2));
        return out;
    }

    /** Σ_j a[i, j] for each row i of a rank-2 array, shape [n]. */
    static INDArray rowSums(INDArray a) {
        return a.size(1) == 1 ? a.reshape(a.size(0)).dup() : a.sum(1);
    }

    /** True when {@code a}'s elements lie contiguously in c order (whatever its order flag, and view or not). */
    static boolean isCContiguous(INDArray a) {
        long[] expected = Nd4j.getStrides(a.shape(), 'c');
        for (int i = 0; i < expected.length; i++) {
            if (a.size(i) != 1 && expected[i] != a.stride(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code a} as a [1, length] row sharing its memory when it is c-contiguous; otherwise a new array,
     * which {@link #storeIfCopy} copies back.
     */
    static INDArray rowView(INDArray a) {
        if (isCContiguous(a)) {
            return Nd4j.create(a.data(), new long[] {1, a.length()}, new long[] {a.length(), 1}, a.offset(), 'c', a.dataType());
        }
        return Nd4j.createUninitialized(a.dataType(), 1, a.length());
    }

    /** Copies {@code row} (from {@link #rowView}) into {@code a} unless it already is a view of it. */
    static void storeIfCopy(INDArray row, INDArray a) {
        if (!isCContiguous(a)) {
            a.assign(row.reshape('c', a.shape()));
        }
    }
}
