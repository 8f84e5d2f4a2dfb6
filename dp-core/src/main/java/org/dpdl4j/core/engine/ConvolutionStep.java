package org.dpdl4j.core.engine;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastMulOp;
import org.nd4j.linalg.convolution.Convolution;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 2-D convolution (NCHW) by im2col. The unfolded input U_i [P, K] (P output positions, K = inC·kH·kW)
 * and the pre-activation gradient δ_i [P, outC] give example i's weight gradient δ_iᵀU_i. Its squared
 * norm is computed either by materialising the B per-example gradients or by the "ghost" identity
 * ‖δ_iᵀU_i‖² = Σ (U_iU_iᵀ)∘(δ_iδ_iᵀ), whichever needs fewer operations for this layer's shape (as
 * Opacus chooses). The clipped sum is one matrix product (δ∘c)ᵀU over all B·P rows.
 *
 * <p>Privacy assumption: no cross-example computation (each example's U_i and δ_i are its own).
 */
final class ConvolutionStep implements LayerStep {

    private final int index;
    private final ParamViews views;
    private final IActivation activation;
    private final boolean trainable;
    private final boolean hasBias;
    private final int[] kernel;
    private final int[] stride;
    private final int[] padding;
    private final int[] dilation;
    private final ConvolutionMode mode;
    private final DropoutHelper dropout;

    private long batch;
    private long inH;
    private long inW;
    private ConvGeometry geom;
    private INDArray cols;       // [B·P, K]
    private INDArray preOutput;  // NCHW
    private INDArray deltaP;     // [B·P, outC]
    private NormMethod lastMethod;

    /** How per-example gradient norms were computed for this layer's shape. */
    enum NormMethod { MATERIALIZED, GHOST }

    ConvolutionStep(int index, Layer layer, boolean trainable) {
        this.index = index;
        this.views = new ParamViews(layer);
        ConvolutionLayer conf = (ConvolutionLayer) layer.conf().getLayer();
        this.activation = conf.getActivationFn();
        this.trainable = trainable;
        this.hasBias = views.has("b");
        this.kernel = conf.getKernelSize();
        this.stride = conf.getStride();
        this.padding = conf.getPadding();
        this.dilation = conf.getDilation();
        this.mode = conf.getConvolutionMode();
        this.dropout = new DropoutHelper(conf.getIDropout(), trainable);
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
    public INDArray forward(INDArray in, boolean training) {
        INDArray x = dropout.apply(in, training);
        INDArray w = views.param("W");
        long outC = w.size(0);
        long inC = w.size(1);
        batch = x.size(0);
        inH = x.size(2);
        inW = x.size(3);
        geom = ConvGeometry.of(x, kernel, stride, padding, dilation, mode);
        int oH = geom.outH();
        int oW = geom.outW();
        // Memory laid out as [B, oH, oW, inC, kH, kW] so that the unfolded input is a plain [B·P, K] matrix.
        INDArray col = Nd4j.createUninitialized(x.dataType(), new long[] {batch, oH, oW, inC, kernel[0], kernel[1]}, 'c');
        Convolution.im2col(x, kernel[0], kernel[1], stride[0], stride[1], geom.pad()[0], geom.pad()[1], dilation[0],
                dilation[1], mode == ConvolutionMode.Same, col.permute(0, 3, 4, 5, 1, 2));
        long k = inC * kernel[0] * kernel[1];
        cols = col.reshape('c', batch * oH * oW, k);
        INDArray w2 = w.reshape('c', outC, k);
        INDArray z = cols.mmul(w2.transpose());
        if (hasBias) {
            z.addiRowVector(views.param("b"));
        }
        preOutput = z.reshape('c', batch, oH, oW, outC).permute(0, 3, 1, 2).dup('c');
        return activation.getActivation(preOutput.dup(), training);
    }

    @Override
    public INDArray backward(INDArray epsilon, boolean needInputGradient) {
        INDArray delta = activation.backprop(preOutput.dup(), epsilon).getFirst();
        long outC = delta.size(1);
        deltaP = delta.permute(0, 2, 3, 1).dup('c').reshape('c', batch * geom.outH() * geom.outW(), outC);
        if (!needInputGradient) {
            return null;
        }
        INDArray w2 = views.param("W").reshape('c', outC, cols.size(1));
        INDArray dCols = deltaP.mmul(w2);
        long inC = views.param("W").size(1);
        INDArray eps6 = dCols.reshape('c', batch, geom.outH(), geom.outW(), inC, kernel[0], kernel[1])
                .permute(0, 3, 4, 5, 1, 2);
        INDArray epsIn = Nd4j.createUninitialized(delta.dataType(), new long[] {batch, inC, inH, inW}, 'c');
        Convolution.col2im(eps6, epsIn, stride[0], stride[1], geom.pad()[0], geom.pad()[1], (int) inH, (int) inW,
                dilation[0], dilation[1]);
        return dropout.backprop(epsIn);
    }

    private long positions() {
        return (long) geom.outH() * geom.outW();
    }

    /** Operation counts of the two exact norm methods for this shape; the smaller one is used. */
    NormMethod chooseMethod() {
        long p = positions();
        long k = cols.size(1);
        long outC = deltaP.size(1);
        double materialized = (double) outC * k * p + (double) outC * k;
        double ghost = (double) p * p * (k + outC) + (double) p * p;
        return materialized <= ghost ? NormMethod.MATERIALIZED : NormMethod.GHOST;
    }

    NormMethod lastMethod() {
        return lastMethod;
    }

    @Override
    public void addSquaredNorms(INDArray acc) {
        long p = positions();
        long k = cols.size(1);
        long outC = deltaP.size(1);
        INDArray d3 = deltaP.reshape('c', batch, p, outC);
        INDArray u3 = cols.reshape('c', batch, p, k);
        lastMethod = chooseMethod();
        if (lastMethod == NormMethod.MATERIALIZED) {
            INDArray g = Nd4j.matmul(d3, u3, true, false, false); // [B, outC, K]
            acc.addi(g.muli(g).sum(1, 2));
        } else {
            INDArray uu = Nd4j.matmul(u3, u3, false, true, false); // [B, P, P]
            INDArray dd = Nd4j.matmul(d3, d3, false, true, false);
            acc.addi(uu.muli(dd).sum(1, 2));
        }
        if (hasBias) {
            INDArray gb = d3.sum(1); // [B, outC]
            acc.addi(gb.muli(gb).sum(1));
        }
    }

    @Override
    public void writeClippedSum(INDArray factors) {
        long p = positions();
        long outC = deltaP.size(1);
        INDArray d3 = deltaP.reshape('c', batch, p, outC);
        INDArray dc3 = Nd4j.exec(new BroadcastMulOp(d3, factors, d3.ulike(), 0));
        INDArray dc = dc3.reshape('c', batch * p, outC);
        INDArray gw = dc.transpose().mmul(cols); // [outC, K]
        views.gradient("W").assign(gw.reshape('c', views.gradient("W").shape()));
        if (hasBias) {
            views.gradient("b").assign(dc.sum(0).reshape(views.gradient("b").shape()));
        }
    }

    @Override
    public void writePerExampleGradients(INDArray out, long offset) {
        long p = positions();
        long k = cols.size(1);
        long outC = deltaP.size(1);
        INDArray d3 = deltaP.reshape('c', batch, p, outC);
        INDArray u3 = cols.reshape('c', batch, p, k);
        INDArray g = Nd4j.matmul(d3, u3, true, false, false);
        for (long i = 0; i < batch; i++) {
            java.util.Map<String, INDArray> target = views.perExampleViews(out, i, offset);
            INDArray gi = g.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            target.get("W").assign(gi.reshape('c', target.get("W").shape()));
            if (hasBias) {
                INDArray di = d3.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());
                target.get("b").assign(di.sum(0).reshape(target.get("b").shape()));
            }
        }
    }

    @Override
    public void clear() {
        cols = preOutput = deltaP = null;
    }
}
