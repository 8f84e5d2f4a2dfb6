package org.dpdl4j.spark;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.dpdl4j.core.noise.KeyedRandom;
import org.dpdl4j.core.parallel.RowParallel;
import org.dpdl4j.dl4j.head.HeadData;
import org.dpdl4j.dl4j.head.HeadMode;
import org.dpdl4j.dl4j.head.HeadTrainer;
import org.dpdl4j.dl4j.head.PrivateLinearHead;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The clipped gradient sums of a private head over {@link SparkFeatures}: the distributed part of
 * {@link HeadTrainer}'s steps, and nothing else. Per step the driver broadcasts W and b, every partition
 * computes the sum of its rows' clipped gradients with dp-dl4j's own kernel
 * ({@link PrivateLinearHead#accumulateClippedSum}), and one {@code treeAggregate} adds the partition sums
 * into one d·k + k vector of doubles at the driver. Noise, the ledger, calibration and the update stay in
 * {@link HeadTrainer}, unchanged: {@code HeadTrainer.train(SparkHeadData.of(features), config, ledger, log)}.
 *
 * <p>Poisson steps: the driver draws a fresh 256-bit key per step from {@code SecureRandom} (or, in seeded
 * test mode only, derives it from the seed) and sends it with the step; partition p includes each of its
 * rows with probability q using stream p of that key ({@link KeyedRandom}, {@link org.dpdl4j.core.sampling.PoissonSampler#drawIndices}).
 * A partition's sum is therefore a pure function of (its rows, the broadcast parameters, the step key, p).
 *
 * <p>Exactly once: Spark uses exactly one successful attempt of each partition in an action's result, and
 * a retried attempt recomputes the same pure function, so a failed and retried task neither adds its rows
 * twice nor changes the step's sum. Each aggregate also carries the number of partitions that contributed
 * (and, for full batch, the number of rows), which the driver checks against the data: a mismatch stops
 * training before that step's noise is drawn. The ledger is written by {@link HeadTrainer} on the driver
 * once per step, before the step's job runs; a job that fails for good after Spark's retries leaves its
 * step recorded and unreleased (over-counting, never under-counting) and the exception ends training.
 *
 * <p>Privacy assumption: the data are deterministic per partition (see {@link SparkFeatures}); the executors
 * are trusted with the data and the step keys (they see the rows anyway) and the driver with everything;
 * what leaves the driver is only what {@link HeadTrainer} releases. Partition sums travel between executors
 * and the driver un-noised: secure the cluster's network (Spark's RPC encryption) as for the raw data.
 */
public final class SparkHeadData implements HeadData {

    private final SparkFeatures data;
    private final int treeDepth;

    private SparkHeadData(SparkFeatures data, int treeDepth) {
        this.data = data;
        this.treeDepth = treeDepth;
    }

    /** The head's sums over these features, aggregated with a tree of depth 2. */
    public static SparkHeadData of(SparkFeatures data) {
        return new SparkHeadData(Objects.requireNonNull(data, "data"), 2);
    }

    /**
     * The same with another {@code treeAggregate} depth: deeper trees relieve the driver when thousands of
     * partitions each send a d·k vector, at one more round of executor-to-executor traffic.
     */
    public SparkHeadData withTreeDepth(int depth) {
        if (depth < 1) {
            throw new IllegalArgumentException("tree depth must be >= 1, got " + depth);
        }
        return new SparkHeadData(data, depth);
    }

    @Override
    public long size() {
        return data.size();
    }

    @Override
    public int dimension() {
        return data.dimension();
    }

    @Override
    public int classes() {
        return data.classes();
    }

    @Override
    public DataType dataType() {
        return data.dataType();
    }

    @Override
    public String describe() {
        return "Spark, " + data.partitions() + " partitions, treeAggregate depth " + treeDepth;
    }

    @Override
    public Steps start(HeadMode mode, double samplingRate, Long seed) {
        Objects.requireNonNull(mode, "mode");
        if (data.size() > 0) {
            data.check();
        }
        return new Steps() {
            @Override
            public void addClippedSum(PrivateLinearHead head, long step, double clipNorm, INDArray sumW,
                                      INDArray sumB) {
                byte[] key = mode == HeadMode.FULL_BATCH ? null
                        : seed == null ? KeyedRandom.newKey() : KeyedRandom.seededKey(seed, step);
                double[] total = aggregate(head, clipNorm, mode == HeadMode.FULL_BATCH ? 1.0 : samplingRate, key);
                unpack(total, head, sumW, sumB);
            }

            @Override
            public String sampling() {
                return mode == HeadMode.FULL_BATCH
                        ? "full batch (q=1, divisor n=" + data.size() + "), add/remove-one; " + describe()
                        : String.format(Locale.ROOT, "Poisson sampling, q=%s (expected batch %.1f of N=%d, divisor "
                                + "q*N), add/remove-one, %s per step and partition; %s", samplingRate,
                                samplingRate * data.size(), data.size(), seed == null
                                        ? "secure randomness (a fresh SecureRandom key, AES-256-CTR stream)"
                                        : "seeded randomness (NOT secure)", describe());
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * The pre-noise clipped gradient sum over every row, {W part [d, k], b part [1, k] or null}: one full-batch
     * step's distributed computation, for tests and for checking the distributed sum against one machine's.
     * Not private: it is exactly what the noise protects.
     */
    public INDArray[] clippedSum(PrivateLinearHead head, double clipNorm) {
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("clip norm must be finite and > 0, got " + clipNorm);
        }
        INDArray sumW = Nd4j.zeros(head.dataType(), head.inputs(), head.classes());
        INDArray sumB = head.hasBias() ? Nd4j.zeros(head.dataType(), 1, head.classes()) : null;
        unpack(aggregate(head, clipNorm, 1.0, null), head, sumW, sumB);
        return new INDArray[] {sumW, sumB};
    }

    /** W, b and the value type, as plain arrays for a broadcast. */
    private record Parameters(double[] weights, double[] bias, int inputs, int classes, DataType type)
            implements Serializable {

        static Parameters of(PrivateLinearHead head) {
            return new Parameters(head.weights().castTo(DataType.DOUBLE).data().asDouble(),
                    head.hasBias() ? head.bias().castTo(DataType.DOUBLE).data().asDouble() : null, head.inputs(),
                    head.classes(), head.dataType());
        }

        PrivateLinearHead head() {
            INDArray w = Nd4j.createFromArray(weights).reshape('c', inputs, classes).castTo(type);
            INDArray b = bias == null ? null : Nd4j.createFromArray(bias).reshape(1, classes).castTo(type);
            return PrivateLinearHead.of(w, b);
        }

        int length() {
            return inputs * classes + (bias == null ? 0 : classes);
        }
    }

    /** One step's sum [vec(W) row-major, b] over the rows the step uses; see {@link DistributedSum}. */
    private double[] aggregate(PrivateLinearHead head, double clipNorm, double q, byte[] key) {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(data.blocks().context());
        Parameters params = Parameters.of(head);
        Broadcast<Parameters> broadcast = sc.broadcast(params);
        int k = data.classes();
        try {
            return DistributedSum.run(data, params.length(), treeDepth, q, key,
                    (blocks, selected, out) -> partitionSum(blocks, selected, broadcast.value(), k, clipNorm, out));
        } finally {
            broadcast.destroy();
        }
    }

    private static void partitionSum(List<FeatureBlock> blocks, long[][] selected, Parameters params, int k,
                                     double clipNorm, double[] out) {
        PrivateLinearHead head = params.head();
        INDArray sumW = Nd4j.zeros(params.type(), params.inputs(), k);
        INDArray sumB = head.hasBias() ? Nd4j.zeros(params.type(), 1, k) : null;
        // Spark already runs one task per core: splitting a partition's rows over more threads would oversubscribe.
        RowParallel.unsplit(() -> DistributedSum.forEachSelected(blocks, selected, k, params.type(),
                (x, y) -> head.accumulateClippedSum(x, y, null, clipNorm, sumW, sumB, null)));
        DistributedSum.addInto(out, 0, sumW);
        if (sumB != null) {
            DistributedSum.addInto(out, params.inputs() * k, sumB);
        }
    }

    private static void unpack(double[] total, PrivateLinearHead head, INDArray sumW, INDArray sumB) {
        int dk = head.inputs() * head.classes();
        sumW.addi(Nd4j.createFromArray(java.util.Arrays.copyOf(total, dk)).reshape('c', head.inputs(), head.classes())
                .castTo(sumW.dataType()));
        if (sumB != null) {
            sumB.addi(Nd4j.createFromArray(java.util.Arrays.copyOfRange(total, dk, dk + head.classes()))
                    .reshape(1, head.classes()).castTo(sumB.dataType()));
        }
    }

    @Override
    public String toString() {
        return "SparkHeadData[" + data + ", treeAggregate depth " + treeDepth + "]";
    }
}
