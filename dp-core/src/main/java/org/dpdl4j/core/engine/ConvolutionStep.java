package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * 2-D convolution (NCHW). The input is unfolded once per batch by im2col ({@link Unfold}) into U [B, K, P]
 * (K = inC·kH·kW, P output positions; the natural [B, inC, kH, kW, oH, oW] layout, so no permuted copies), and every
 * product is a batched matrix product over examples with the weights broadcast by a stride-0 view:
 * forward z_i = W·U_i, input gradient Wᵀδ_i followed by col2im, and example i's weight gradient
 * G_i = δ_i·U_iᵀ [outC, K].
 *
 * <p>Norms and clipped sum: when the B per-example gradients fit in {@link #budget} elements they are
 * materialised once; the squared norms are their row sums of squares and the clipped sum Σ c_i G_i is one
 * [1, B]·[B, outC·K] product. Otherwise the norms use whichever exact method needs fewer operations for
 * this shape — materialising in chunks (outC·K·P per example) or the "ghost" identity
 * ‖δ_iU_iᵀ‖² = Σ (U_iᵀU_i)∘(δ_iᵀδ_i) (P²·(K + outC)) — and the clipped sum is accumulated chunk by chunk.
 * All per-batch arrays live in buffers reused across batches (see {@link Scratch}).
 *
 * <p>Privacy assumption: no cross-example computation (each example's U_i and δ_i are its own).
 */
final class ConvolutionStep implements LayerStep {

    /** Per-example weight-gradient elements a layer may keep materialised (2^24: 64 MiB in float). */
    static final long DEFAULT_BUDGET = 1L << 24;

    /** Batched matmuls run single-threaded in libnd4j: they are split over examples, at least this many per thread. */
    private static final long MIN_EXAMPLES_PER_THREAD = 8;

    private final int index;
    private final ParamViews views;
    private final ActivationOps activation;
    private final boolean trainable;
    private final boolean hasBias;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final ConvolutionMode mode;
    private final DropoutHelper dropout;
    private final long outC;
    private final long inC;
    private final long k;

    private final Buffers buffers = new Buffers();
    private final Scratch colBuf = buffers.slot();
    private final Scratch zBuf = buffers.slot();
    private final Scratch outBuf = buffers.slot();
    private final Scratch gBuf = buffers.slot();
    private final Scratch gbBuf = buffers.slot();
    private final Scratch deltaBuf = buffers.slot();
    private final Scratch dcolBuf = buffers.slot();
    private final Scratch epsBuf = buffers.slot();
    private final Scratch ghostBuf = buffers.slot();
    private final Scratch ghostBuf2 = buffers.slot();
    private final Scratch wBuf = buffers.slot();

    private long batch;
    private long inH;
    private long inW;
    private ConvGeometry geom;
    private DataType type;
    private INDArray u3;     // [B, K, P] unfolded input
    private INDArray z;      // [B, outC, oH, oW] pre-activation (may be overwritten in backward)
    private INDArray a;      // [B, outC, oH, oW] activation output
    private INDArray d3;     // [B, outC, P] δ = dL/dz
    private INDArray g;      // [B, outC·K] per-example weight gradients, when materialised in full
    private INDArray gb;     // [B, outC] per-example bias gradients
    private NormMethod lastMethod;
    private NormMethod forced;
    private long budget = DEFAULT_BUDGET;

    /** How per-example gradient norms were computed for this layer's shape. */
    enum NormMethod { MATERIALIZED, GHOST }

    ConvolutionStep(int index, Layer layer, boolean trainable, INDArray gradientView) {
        this.index = index;
        this.views = new ParamViews(layer, gradientView);
        ConvolutionLayer conf = (ConvolutionLayer) layer.conf().getLayer();
        this.activation = new ActivationOps(conf.getActivationFn());
        this.trainable = trainable;
        this.hasBias = views.has("b");
        this.kernel = conf.getKernelSize();
        this.stride = conf.getStride();
        this.padding = conf.getPadding();
        this.dilation = conf.getDilation();
        this.mode = conf.getConvolutionMode();
        this.dropout = new DropoutHelper(conf.getIDropout(), trainable);
        INDArray w = views.param("W");
        this.outC = w.size(0);
        this.inC = w.size(1);
        this.k = inC * kernel[0] * kernel[1];
    }

    @Override
    public int layerIndex() {
        return index;
    }

    @Override
    public boolean trainable() {
        return trainable;
    }

    @Override
    public Buffers buffers() {
        return buffers;
    }

    @Override
    public long forwardMacsPerExample() {
        return geom == null ? 0 : outC * k * positions();
    }

    private long positions() {
        return (long) geom.outH() * geom.outW();
    }

    /** W as a c-contiguous array of this batch's data type (the parameter view itself when it already is). */
    private INDArray weights() {
        INDArray w = views.param("W");
        if (!StepMath.isCContiguous(w) || w.dataType() != type) {
            w = wBuf.get(type, outC, inC, kernel[0], kernel[1]).assign(w);
        }
        return w;
    }

    /** W as [n, outC, K] without copying: a stride-0 view over the batch axis. */
    private INDArray broadcast(INDArray w, long n) {
        return Nd4j.create(w.data(), new long[] {n, outC, k}, new long[] {0, k, 1}, w.offset(), 'c', type);
    }

    @Override
    public INDArray forward(INDArray in, boolean training) {
        INDArray x = dropout.apply(in, training);
        type = x.dataType();
        batch = x.size(0);
        inH = x.size(2);
        inW = x.size(3);
        geom = ConvGeometry.of(x, kernel, stride, padding, dilation, mode);
        int oH = geom.outH();
        int oW = geom.outW();
        long p = positions();
        INDArray col = colBuf.get(type, batch, inC, kernel[0], kernel[1], oH, oW);
        if (Unfold.supports(x, col)) {
            new Unfold(inC, inH, inW, kernel, stride, geom.pad(), dilation, oH, oW).im2col(x, col);
        } else {
            Convolution.im2col(x, kernel[0], kernel[1], stride[0], stride[1], geom.pad()[0], geom.pad()[1], dilation[0],
                    dilation[1], mode == ConvolutionMode.Same, col);
        }
        u3 = col.reshape('c', batch, k, p);
        z = zBuf.get(type, batch, outC, oH, oW);
        INDArray z3 = z.reshape('c', batch, outC, p);
        INDArray w = weights();
        INDArray u = u3;
        Parallel.forRanges(batch, MIN_EXAMPLES_PER_THREAD,
                (from, to) -> Nd4j.matmul(broadcast(w, to - from), rows(u, from, to), rows(z3, from, to), false, false, false));
        if (hasBias) {
            Nd4j.exec(new BroadcastAddOp(z3, views.param("b").reshape(outC), z3, 1));
        }
        g = null;
        gb = null;
        d3 = null;
        a = activation.forward(z, outBuf.get(type, batch, outC, oH, oW), training);
        return a;
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        INDArray delta = activation.backward(z, a, epsilon, deltaBuf.get(type, z.shape()));
        long p = positions();
        d3 = delta.reshape('c', batch, outC, p);
        if (!needInputGradient) {
            return null;
        }
        INDArray dcol = dcolBuf.get(type, batch, k, p);
        INDArray w = weights();
        INDArray d = d3;
        Parallel.forRanges(batch, MIN_EXAMPLES_PER_THREAD,
                (from, to) -> Nd4j.matmul(broadcast(w, to - from), rows(d, from, to), rows(dcol, from, to), true, false, false));
        INDArray epsIn = epsBuf.get(type, batch, inC, inH, inW);
        INDArray dcol6 = dcol.reshape('c', batch, inC, kernel[0], kernel[1], geom.outH(), geom.outW());
        Convolution.col2im(dcol6, epsIn, stride[0], stride[1], geom.pad()[0], geom.pad()[1], (int) inH, (int) inW,
                dilation[0], dilation[1]);
        return dropout.backprop(epsIn);
    }

    /** True when all B per-example weight gradients fit in the budget and are kept. */
    private boolean keepsAll() {
        return batch * outC * k <= budget;
    }

    /** Examples per chunk when the per-example gradients (or ghost matrices) do not all fit. */
    private long chunk(long perExample) {
        return Math.max(1, Math.min(batch, budget / Math.max(1, perExample)));
    }

    /** Operation counts of the two exact norm methods for this shape; the smaller one is used. */
    NormMethod chooseMethod() {
        if (forced != null) {
            return forced;
        }
        if (keepsAll()) {
            // the materialised gradients also give the clipped sum, which the ghost method must compute anyway
            return NormMethod.MATERIALIZED;
        }
        long p = positions();
        double materialized = (double) outC * k * p;
        double ghost = (double) p * p * (k + outC);
        return materialized <= ghost ? NormMethod.MATERIALIZED : NormMethod.GHOST;
    }

    NormMethod lastMethod() {
        return lastMethod;
    }

    /** Tests: force a norm method (null: choose by cost). */
    void forceNormMethod(NormMethod method) {
        this.forced = method;
    }

    /** Elements of one example's weight gradient, outC·K. */
    long perExampleGradientSize() {
        return outC * k;
    }

    /** Tests: the per-example gradient elements this layer may keep (smaller values force chunking). */
    void budget(long elements) {
        this.budget = elements;
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return from == 0 && to == a.size(0) ? a : a.get(NDArrayIndex.interval(from, to));
    }

    /** Per-example weight gradients of examples [from, to) as [n, outC·K], in gBuf. */
    private INDArray gradients(long from, long to) {
        INDArray out = gBuf.get(type, to - from, outC, k);
        INDArray d = rows(d3, from, to);
        INDArray u = rows(u3, from, to);
        Parallel.forRanges(to - from, MIN_EXAMPLES_PER_THREAD,
                (s, e) -> Nd4j.matmul(rows(d, s, e), rows(u, s, e), rows(out, s, e), false, true, false));
        return out.reshape('c', to - from, outC * k);
    }

    private INDArray allGradients() {
        if (g == null) {
            g = gradients(0, batch);
        }
        return g;
    }

    private INDArray biasGradients() {
        if (gb == null) {
            gb = StepMath.sumLastAxis(d3, gbBuf.get(type, batch, outC));
        }
        return gb;
    }

    @Override
    public void addSquaredNorms(INDArray acc) {
        lastMethod = chooseMethod();
        if (lastMethod == NormMethod.MATERIALIZED && keepsAll()) {
            acc.addi(StepMath.rowSquaredNormsParallel(allGradients()));
        } else if (lastMethod == NormMethod.MATERIALIZED) {
            long step = chunk(outC * k);
            for (long s = 0; s < batch; s += step) {
                long e = Math.min(batch, s + step);
                rows(acc, s, e).addi(StepMath.rowSquaredNormsParallel(gradients(s, e)));
            }
        } else {
            long p = positions();
            long step = chunk(p * p);
            for (long s = 0; s < batch; s += step) {
                long e = Math.min(batch, s + step);
                INDArray uu = ghostBuf.get(type, e - s, p, p);
                INDArray dd = ghostBuf2.get(type, e - s, p, p);
                Nd4j.matmul(rows(u3, s, e), rows(u3, s, e), uu, true, false, false);
                Nd4j.matmul(rows(d3, s, e), rows(d3, s, e), dd, true, false, false);
                rows(acc, s, e).addi(StepMath.rowSums(uu.muli(dd).reshape('c', e - s, p * p)));
            }
        }
        if (hasBias) {
            acc.addi(StepMath.rowSquaredNorms(biasGradients()));
        }
    }

    @Override
    public void writeClippedSum(INDArray factors) {
        INDArray c = factors.reshape(1, batch).castTo(type);
        INDArray gradW = views.gradient("W");
        INDArray target = StepMath.rowView(gradW);
        if (keepsAll()) {
            Nd4j.gemm(c, allGradients(), target, false, false, 1.0, 0.0);
        } else {
            long step = chunk(outC * k);
            for (long s = 0; s < batch; s += step) {
                long e = Math.min(batch, s + step);
                Nd4j.gemm(c.get(NDArrayIndex.all(), NDArrayIndex.interval(s, e)), gradients(s, e), target, false, false,
                        1.0, s == 0 ? 0.0 : 1.0);
            }
        }
        StepMath.storeIfCopy(target, gradW);
        if (hasBias) {
            INDArray gradB = views.gradient("b");
            INDArray tb = StepMath.rowView(gradB);
            Nd4j.gemm(c, biasGradients(), tb, false, false, 1.0, 0.0);
            StepMath.storeIfCopy(tb, gradB);
        }
    }

    @Override
    public void writePerExampleGradients(INDArray out, long offset) {
        long step = keepsAll() ? batch : chunk(outC * k);
        for (long s = 0; s < batch; s += step) {
            long e = Math.min(batch, s + step);
            INDArray gs = keepsAll() ? allGradients() : gradients(s, e);
            for (long i = s; i < e; i++) {
                java.util.Map<String, INDArray> target = views.perExampleViews(out, i, offset);
                target.get("W").assign(gs.getRow(i - s).reshape('c', target.get("W").shape()));
                if (hasBias) {
                    target.get("b").assign(biasGradients().getRow(i).reshape(target.get("b").shape()));
                }
            }
        }
    }

    @Override
    public void clear() {
        u3 = z = a = d3 = g = gb = null;
    }
}
