package org.dpdl4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.dpdl4j.core.noise.KeyedRandom;
import org.dpdl4j.core.sampling.PoissonSampler;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One step's distributed sum, shared by the head and by DP-SGD: every partition gathers its blocks,
 * draws its Poisson sample from stream p of the step key (or takes every row), computes its partial sum,
 * and one {@code treeAggregate} adds the partial sums at the driver, together with the number of
 * partitions that contributed and the number of rows used.
 *
 * <p>Exactly once: an action's result uses one successful attempt per partition, and a partition's
 * contribution is a pure function of (its blocks, what the step sends, the key, p), so a retried task
 * gives the same partial sum. The counts are checked here; a mismatch fails the step before any noise is
 * drawn, so it is recorded in the ledger but releases nothing.
 *
 * <p>Privacy assumption: the partial sums and the realised Poisson batch size are not released; the batch
 * size is dropped here, the sum goes to the caller's noise.
 */
final class DistributedSum {

    private DistributedSum() {
    }

    /** A partition's partial sum over the selected rows of its blocks. */
    @FunctionalInterface
    interface PartitionSum extends Serializable {
        /**
         * @param selected per block the local indices of the rows this step uses (increasing), or {@code null}
         *     for every row
         * @param out the partial sum to add into, zero on entry
         */
        void addTo(List<FeatureBlock> blocks, long[][] selected, double[] out) throws Exception;
    }

    /**
     * @param length length of the sum
     * @param q inclusion probability, ignored when {@code key} is null (full batch)
     * @param key this step's 32-byte sampling key, or {@code null} for full batch
     */
    static double[] run(SparkFeatures data, int length, int treeDepth, double q, byte[] key, PartitionSum sum) {
        double[] total = SparkJobs.run(() -> data.blocks()
                .mapPartitionsWithIndex((p, it) -> {
                    List<FeatureBlock> blocks = new ArrayList<>();
                    it.forEachRemaining(blocks::add);
                    long[][] selected = key == null ? null : sample(blocks, KeyedRandom.of(key, p), q);
                    double[] out = new double[length + 2];
                    sum.addTo(blocks, selected, out);
                    long rows = 0;
                    for (int i = 0; i < blocks.size(); i++) {
                        rows += selected == null ? blocks.get(i).rows() : selected[i].length;
                    }
                    out[length] = 1;
                    out[length + 1] = rows;
                    return Collections.singletonList(out).iterator();
                }, true)
                .treeAggregate(new double[length + 2], DistributedSum::add, DistributedSum::add, treeDepth));
        int partitions = data.partitions();
        if (total[length] != partitions) {
            throw new IllegalStateException("the step's aggregate counts " + (long) total[length] + " partition sums "
                    + "but the data have " + partitions + " partitions; no noise was drawn and nothing was released");
        }
        if (key == null && total[length + 1] != data.size()) {
            throw new IllegalStateException("the step's aggregate covers " + (long) total[length + 1] + " rows but the "
                    + "data have " + data.size() + "; the RDD is not deterministic (cache it or read it from files); "
                    + "nothing was released");
        }
        return java.util.Arrays.copyOf(total, length);
    }

    /** Poisson inclusion of every row of the partition, drawn in one pass and split by block. */
    static long[][] sample(List<FeatureBlock> blocks, KeyedRandom random, double q) {
        long total = 0;
        for (FeatureBlock b : blocks) {
            total += b.rows();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a partition of " + total + " rows is too large for Poisson sampling; "
                    + "repartition the features into more partitions");
        }
        long[] all = PoissonSampler.drawIndices(random, (int) total, q);
        long[][] out = new long[blocks.size()][];
        int at = 0;
        long start = 0;
        for (int i = 0; i < blocks.size(); i++) {
            long end = start + blocks.get(i).rows();
            int from = at;
            while (at < all.length && all[at] < end) {
                at++;
            }
            long[] local = new long[at - from];
            for (int j = from; j < at; j++) {
                local[j - from] = all[j] - start;
            }
            out[i] = local;
            start = end;
        }
        return out;
    }

    /** What a partition does with one block's selected rows. */
    @FunctionalInterface
    interface RowsAction {
        void accept(INDArray features, INDArray oneHotLabels);
    }

    /**
     * Calls {@code action} with the selected rows of every block that has any (features cast to {@code type},
     * one-hot labels over {@code classes}); blocks with no selected row are skipped.
     */
    static void forEachSelected(List<FeatureBlock> blocks, long[][] selected, int classes, DataType type,
                                RowsAction action) {
        for (int i = 0; i < blocks.size(); i++) {
            FeatureBlock b = blocks.get(i);
            long[] picked = selected == null ? null : selected[i];
            if ((picked == null ? b.rows() : picked.length) == 0) {
                continue;
            }
            INDArray x = picked == null ? b.features() : b.features(picked);
            INDArray y = picked == null ? b.oneHot(classes, type) : b.oneHot(picked, classes, type);
            action.accept(x.castTo(type), y);
        }
    }

    private static double[] add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    /** Adds an array's values (c order), as doubles, into {@code out} from {@code offset}. */
    static void addInto(double[] out, int offset, INDArray a) {
        double[] v = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int i = 0; i < v.length; i++) {
            out[offset + i] += v[i];
        }
    }
}
