package org.dpdl4j.dl4j.head;

import java.util.Arrays;
import java.util.Objects;
import org.dpdl4j.core.parallel.RowParallel;
import org.dpdl4j.dl4j.features.Inputs;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A multinomial logistic-regression head: logits z = x·W + b, softmax probabilities p, cross-entropy
 * loss. W is [d, k] and b is [1, k] (the layout of a DL4J {@code OutputLayer}), in FLOAT or DOUBLE.
 *
 * <p>Per-example gradients are closed form, ∇W_i = x_iᵀ(p_i − y_i), ∇b_i = p_i − y_i, so
 * ‖∇_i‖ = ‖p_i − y_i‖·‖[x_i, 1]‖ (without the 1 when there is no bias), and the sum of gradients
 * clipped to norm C is Xᵀ·diag(c)·(P − Y) with c_i = min(1, C/‖∇_i‖): two matrix products per pass,
 * no per-example loop and no per-example gradient ever materialised.
 *
 * <p>Privacy assumption: this class computes; it releases nothing. A clipped sum has add/remove-one
 * L2 sensitivity C only because every example's full gradient (weights and bias) is scaled by the
 * same c_i; the private release (noise, accounting) is {@link HeadTrainer}'s job. Predictions and
 * accuracies computed here on private data are not private.
 *
 * <p>Not thread-safe: training updates the parameters in place.
 */
public final class PrivateLinearHead {
    /** Rows below which a clipped sum is not split over threads: the split's fixed cost would dominate. */
    static final long MIN_ROWS_PER_PART = 4096;


    private final INDArray weights;
    private final INDArray bias;

    private PrivateLinearHead(INDArray weights, INDArray bias) {
        this.weights = weights;
        this.bias = bias;
    }

    /**
     * A zero-initialised head (the NoisyGD default: the paper's analysis starts at 0).
     *
     * @param inputs d ≥ 1
     * @param classes k ≥ 2
     * @param withBias whether to learn b
     * @param type FLOAT or DOUBLE
     */
    public static PrivateLinearHead zeros(int inputs, int classes, boolean withBias, DataType type) {
        if (inputs < 1) {
            throw new IllegalArgumentException("feature dimension must be >= 1, got " + inputs);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("a softmax head needs >= 2 classes, got " + classes);
        }
        checkType(type);
        return new PrivateLinearHead(Nd4j.zeros(type, inputs, classes),
                withBias ? Nd4j.zeros(type, 1, classes) : null);
    }

    /**
     * A head initialised from given parameters, copied. The initial value must not depend on the private
     * data (e.g. a head trained on public data), or it leaks outside the accounting.
     *
     * @param weights [d, k]
     * @param bias [1, k] or [k], or {@code null} for no bias
     */
    public static PrivateLinearHead of(INDArray weights, INDArray bias) {
        Objects.requireNonNull(weights, "weights must not be null");
        if (weights.rank() != 2 || weights.size(1) < 2) {
            throw new IllegalArgumentException("weights must be [d, k] with k >= 2, got " + Arrays.toString(weights.shape()));
        }
        checkType(weights.dataType());
        Inputs.checkFeatures(weights, "initial weights");
        INDArray b = null;
        if (bias != null) {
            if (bias.length() != weights.size(1)) {
                throw new IllegalArgumentException("bias has " + bias.length() + " entries but weights have "
                        + weights.size(1) + " classes");
            }
            b = bias.reshape(1, weights.size(1)).castTo(weights.dataType()).dup('c');
            Inputs.checkFeatures(b, "initial bias");
        }
        return new PrivateLinearHead(weights.dup('c'), b);
    }

    private static void checkType(DataType type) {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("head parameters must be FLOAT or DOUBLE, got " + type);
        }
    }

    /** An independent copy. */
    public PrivateLinearHead copy() {
        return new PrivateLinearHead(weights.dup('c'), bias == null ? null : bias.dup('c'));
    }

    /** Feature dimension d. */
    public int inputs() {
        return (int) weights.size(0);
    }

    /** Number of classes k. */
    public int classes() {
        return (int) weights.size(1);
    }

    /** Whether the head has a bias. */
    public boolean hasBias() {
        return bias != null;
    }

    /** Parameter type. */
    public DataType dataType() {
        return weights.dataType();
    }

    /** A copy of W [d, k]. */
    public INDArray weights() {
        return weights.dup('c');
    }

    /** A copy of b [1, k], or {@code null} without bias. */
    public INDArray bias() {
        return bias == null ? null : bias.dup('c');
    }

    /** Number of trained parameters, d·k (+ k with bias): the coordinates that receive noise. */
    public long parameterCount() {
        return weights.length() + (bias == null ? 0 : bias.length());
    }

    INDArray weightsView() {
        return weights;
    }

    INDArray biasView() {
        return bias;
    }

    private INDArray input(INDArray x) {
        if (x.rank() != 2 || x.size(1) != inputs()) {
            throw new IllegalArgumentException("features must be [n, " + inputs() + "], got " + Arrays.toString(x.shape()));
        }
        return x.dataType() == dataType() ? x : x.castTo(dataType());
    }

    /** Frees an array's off-heap buffer now if it owns it (not a view, not in a workspace). */
    static void release(INDArray a) {
        if (a != null && a.closeable()) {
            a.close();
        }
    }

    /** Logits x·W + b, [n, k]. */
    public INDArray logits(INDArray x) {
        INDArray z = input(x).mmul(weights);
        if (bias != null) {
            z.addiRowVector(bias);
        }
        return z;
    }

    /** Softmax probabilities [n, k]. */
    public INDArray probabilities(INDArray x) {
        return Transforms.softmax(logits(x), false);
    }

    /** Predicted class per row. */
    public int[] predict(INDArray x) {
        if (x.size(0) == 0) {
            return new int[0];
        }
        return logits(x).argMax(1).toIntVector();
    }

    /** Fraction of rows whose predicted class is the one-hot label's class. */
    public double accuracy(INDArray x, INDArray oneHotLabels) {
        int[] p = predict(x);
        int[] y = Inputs.classIndices(oneHotLabels);
        if (p.length != y.length) {
            throw new IllegalArgumentException(p.length + " rows of features but " + y.length + " labels");
        }
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            right += p[i] == y[i] ? 1 : 0;
        }
        return p.length == 0 ? Double.NaN : (double) right / p.length;
    }

    /** Residuals δ = P − Y [n, k]: the gradient of each example's loss with respect to its logits. */
    INDArray residuals(INDArray x, INDArray y) {
        INDArray p = probabilities(x);
        return p.subi(y.dataType() == p.dataType() ? y : y.castTo(p.dataType()));
    }

    /**
     * ‖[x_i, 1]‖ (without the 1 when there is no bias) per row, [n, 1]: fixed across steps, so callers of
     * {@link #accumulateClippedSum} may compute it once per row.
     */
    public INDArray inputNorms(INDArray x) {
        INDArray xi = input(x);
        INDArray squares = xi.mul(xi);
        INDArray sq = squares.sum(true, 1);
        // A batch-sized temporary on every Poisson step: release it now rather than when the GC gets to it
        // (off-heap memory does not press the Java heap, so thousands of them can pile up).
        release(squares);
        return Transforms.sqrt(bias == null ? sq : sq.addi(1.0), false);
    }

    /**
     * Per-example gradient norms ‖∇_i‖ = ‖p_i − y_i‖·‖[x_i, 1]‖, [n] (for tests and diagnostics; they are
     * data-dependent and not private).
     */
    public INDArray perExampleGradientNorms(INDArray x, INDArray oneHotLabels) {
        return residuals(x, oneHotLabels).norm2(true, 1).muli(inputNorms(x)).reshape(x.size(0));
    }

    /**
     * Every example's full gradient, flattened as [vec(∇W_i) in row-major order, ∇b_i], shape
     * [n, d·k (+k)]. Materialises n·d·k numbers: for tests of the closed form, not for training.
     */
    public INDArray perExampleGradients(INDArray x, INDArray oneHotLabels) {
        INDArray xi = input(x);
        INDArray d = residuals(xi, oneHotLabels);
        long n = xi.size(0);
        // Outer products x_i ⊗ δ_i for all i as one broadcast multiply: [n, d, 1] * [n, 1, k].
        INDArray outer = xi.reshape(n, inputs(), 1).mul(Nd4j.ones(dataType(), 1, 1, classes()))
                .muli(d.reshape(n, 1, classes()).mul(Nd4j.ones(dataType(), 1, inputs(), 1)));
        INDArray flatW = outer.reshape('c', n, (long) inputs() * classes());
        return bias == null ? flatW : Nd4j.hstack(flatW, d);
    }

    /**
     * The sum over rows of per-example gradients clipped to L2 norm C (weights and bias together), added
     * into {@code sumW} [d, k] (c order) and {@code sumB} [1, k] (ignored without bias).
     *
     * <p>The unchecked kernel behind {@link HeadTrainer} and every {@link HeadData}: it is public so that a
     * distributed implementation (dp-spark) computes its per-partition sums with this very code rather than
     * a copy. It does not check its inputs; callers check every row once ({@code Inputs.checkFeatures},
     * {@code checkOneHot}) before the first step, as {@link HeadData#start} requires, and C once.
     *
     * @param y one-hot labels [n, k]
     * @param inputNorms {@link #inputNorms} of x, or {@code null} to compute them
     * @param clipNorm C, finite and &gt; 0
     * @param scratch a c-order [n, k] array of the head's type to hold logits and residuals (reused from step
     *     to step, so a step allocates almost nothing), or {@code null} to allocate one
     */
    public void accumulateClippedSum(INDArray x, INDArray y, INDArray inputNorms, double clipNorm,
                              INDArray sumW, INDArray sumB, INDArray scratch) {
        INDArray xi = input(x);
        long n = xi.size(0);
        if (n == 0) {
            return;
        }
        INDArray xn = inputNorms != null ? inputNorms : inputNorms(xi);
        INDArray delta = scratch;
        if (delta == null || delta.size(0) != n || delta.size(1) != classes() || delta.ordering() != 'c'
                || delta.dataType() != dataType()) {
            delta = Nd4j.create(dataType(), new long[] {n, classes()}, 'c');
        }
        INDArray yt = y.dataType() == delta.dataType() ? y : y.castTo(delta.dataType());
        int parts = RowParallel.parts(n, MIN_ROWS_PER_PART);
        if (parts == 1) {
            accumulateRows(xi, yt, xn, clipNorm, sumW, sumB, delta);
            return;
        }
        // One [d, k] partial sum per extra part (small next to X), added after all parts end; part 0 adds
        // straight into the sum. Each part reads only its own rows, so the total is the same clipped sum.
        INDArray[] partW = new INDArray[parts];
        INDArray[] partB = new INDArray[parts];
        partW[0] = sumW;
        partB[0] = sumB;
        for (int p = 1; p < parts; p++) {
            partW[p] = Nd4j.zeros(dataType(), inputs(), classes());
            partB[p] = sumB == null ? null : Nd4j.zeros(dataType(), 1, classes());
        }
        INDArray d = delta;
        RowParallel.run(n, parts, (p, from, to) -> accumulateRows(rows(xi, from, to), rows(yt, from, to),
                rows(xn, from, to), clipNorm, partW[p], partB[p], rows(d, from, to)));
        for (int p = 1; p < parts; p++) {
            sumW.addi(partW[p]);
            release(partW[p]);
            if (sumB != null) {
                sumB.addi(partB[p]);
                release(partB[p]);
            }
        }
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    private void accumulateRows(INDArray xi, INDArray y, INDArray xn, double clipNorm, INDArray sumW, INDArray sumB,
                                INDArray delta) {
        // Residuals δ = softmax(x·W + b) − Y, computed in place: gemm into the buffer, no fresh [n, k] arrays.
        Nd4j.gemm(xi, weights, delta, false, false, 1.0, 0.0);
        if (bias != null) {
            delta.addiRowVector(bias);
        }
        Transforms.softmax(delta, false);
        delta.subi(y);
        // ‖∇_i‖ = ‖δ_i‖·‖[x_i, 1]‖: one [n, k] reduction per step, the data factor is precomputed.
        INDArray scale = delta.norm2(true, 1).muli(xn);
        // c_i = min(1, C/‖∇_i‖); a zero norm gives C/0 = +∞ and so c_i = 1, which is right.
        Transforms.min(scale.rdivi(clipNorm), 1.0, false);
        delta.muliColumnVector(scale);
        // sumW += Xᵀ·(c∘δ): gemm accumulates straight into the sum (beta = 1), no copy of X and no temporary.
        Nd4j.gemm(xi, delta, sumW, true, false, 1.0, 1.0);
        if (bias != null && sumB != null) {
            sumB.addi(delta.sum(true, 0));
        }
    }

    /**
     * The clipped gradient sum of a batch as fresh arrays: {W part [d, k], b part [1, k] or null}.
     *
     * @param clipNorm C &gt; 0
     */
    public INDArray[] clippedGradientSum(INDArray x, INDArray oneHotLabels, double clipNorm) {
        if (!(clipNorm > 0) || Double.isInfinite(clipNorm)) {
            throw new IllegalArgumentException("clip norm must be finite and > 0, got " + clipNorm);
        }
        Inputs.checkFeatures(x, "features");
        Inputs.checkOneHot(oneHotLabels, x.size(0), classes());
        INDArray sumW = Nd4j.zeros(dataType(), inputs(), classes());
        INDArray sumB = bias == null ? null : Nd4j.zeros(dataType(), 1, classes());
        accumulateClippedSum(x, oneHotLabels, null, clipNorm, sumW, sumB, null);
        return new INDArray[] {sumW, sumB};
    }

    /** W ← W − lr·gW, b ← b − lr·gB, in place. */
    void step(INDArray gradW, INDArray gradB, double learningRate) {
        weights.subi(gradW.mul(learningRate));
        if (bias != null) {
            bias.subi(gradB.mul(learningRate));
        }
    }

    @Override
    public String toString() {
        return "PrivateLinearHead[d=" + inputs() + ", k=" + classes() + (bias == null ? ", no bias" : ", bias") + ", "
                + dataType() + "]";
    }
}
